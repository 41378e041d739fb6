"""The page's own CSS beyond the launch stylesheet: critique cards in the chat, try again, and the phone layout."""

from __future__ import annotations

# Critique cards are messages in the chat: as wide as the chat, so their score tables stay readable.
CARDS = """
#chat .bot-row:has(.thought-group) { max-width: calc(100% - 20px) !important; width: calc(100% - 20px); }
#chat .bot-row:has(.thought-group) .flex-wrap, #chat .bot-row:has(.thought-group) .message {
  width: 100%; box-sizing: border-box;
}
.coach-compare { width: 100%; border-collapse: collapse; margin: 4px 0; }
.coach-card table th, .coach-card table td { padding: 4px 6px !important; }
.coach-card table td:last-child, .coach-compare th, .coach-compare td { white-space: nowrap; }
.coach-compare th, .coach-compare td { text-align: right; }
.coach-compare th:first-child, .coach-compare td:first-child { text-align: left; white-space: normal; }
.coach-attempts .coach-card { border: none !important; padding: 0 !important; }
.coach-compare td.coach-up { color: #15803d !important; } .coach-compare td.coach-down { color: #b91c1c !important; }
.coach-side-by-side { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; margin: 6px 0; }
.coach-answer { white-space: pre-wrap; font-size: 0.9em; }
"""

# On a phone the page scrolls, not the chat inside it (the latest card sits right under the answer it is about,
# above the answer box), and the answer buttons share rows instead of taking one full-width row each.
PHONE = """
@media (max-width: 640px) {
  .gradio-container .main.app { padding-left: 8px !important; padding-right: 8px !important; }
  #chat .bot-row { max-width: 100% !important; margin-left: 0 !important; margin-right: 0 !important; }
  #chat { height: auto !important; max-height: none !important; min-height: 0 !important; }
  #chat .bubble-wrap { height: auto !important; max-height: none !important; overflow: visible !important; }
  #answer-buttons { flex-direction: row !important; flex-wrap: wrap !important; gap: 6px !important; }
  #answer-buttons > button { flex: 1 1 calc(50% - 6px) !important; min-width: 0 !important; }
}
"""

PAGE_CSS = CARDS + PHONE
