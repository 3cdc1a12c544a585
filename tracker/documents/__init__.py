"""Official documents (公文) to GB/T 9704-2012: settings, 文号 numbering, .docx layout."""
