"""Interviews: the service (start, submit, end, view), the LangGraph graph and its typed state, policy, summary."""
