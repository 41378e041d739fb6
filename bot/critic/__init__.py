"""The critic: the `Critique` model, the offline critic, the LLM critic, the grader-directed-text guard, calibration."""
