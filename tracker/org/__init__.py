"""Organisation: the unit tree (county, townships, villages, departments) and the people in it."""
