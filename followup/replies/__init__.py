"""Reading patients' SMS replies: keywords, answers to questions and crisis triage."""
