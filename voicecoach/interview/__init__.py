"""A mock interview: an interviewer who asks aloud, listens, and follows up on what you said."""
