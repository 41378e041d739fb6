"""Content: the question bank, the rubric, the guides' front matter, and the shared vocabulary."""
