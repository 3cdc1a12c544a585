"""Operations: backups and restores, and the check of the ticket history's hash chain."""
