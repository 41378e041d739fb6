"""LLMs: the one place that turns settings into a chat model, token counting and budgets, prompt templates."""
