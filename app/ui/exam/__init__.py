"""Practice exam screens: start, questions, review, result, history."""
