"""The page's own script, run once on load: keys in the answer box, the address bar, and drafts kept in the browser."""

from __future__ import annotations

# Enter submits the answer and Shift+Enter adds a line (Gradio's own default is the reverse), except on touch
# screens, where Enter adds a line and the Submit button sends.
#
# The address bar follows the interview: once a private resume link is shown, the URL carries it, so a refresh,
# the back button or a new tab reopens the interview instead of the setup screen; a new interview clears it.
#
# What is typed in the answer box is kept in this browser (localStorage, per interview) every second and put back
# after a reload; it is removed once the box is emptied by a sent answer. A page writes only what changed in its
# own box, so a second tab left open on the same interview cannot put a sent answer's draft back.
#
# After a turn sent from this page, the newest critique card is scrolled into view: on a phone the page scrolls
# (the card sits under the answer it is about, above the answer box); on a wide screen the chat scrolls itself.
PAGE_JS = """() => {
  const touch = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
  const onKey = (e) => {
    const box = e.target.closest && e.target.closest("#answer");
    if (!box || e.key !== "Enter" || e.isComposing || touch) return;
    e.stopImmediatePropagation();
    if (e.shiftKey) return;
    e.preventDefault();
    if (e.type === "keydown") document.querySelector("#submit-btn")?.click();
  };
  let sent = false, cards = -1;
  const sending = (e) => {
    if (e.target.closest && e.target.closest("#submit-btn, #try-again-btn, #hint-btn, #skip-btn")) sent = true;
  };
  window.addEventListener("click", sending, true);
  const showNewCard = () => {
    const shown = document.querySelectorAll("#chat .thought-group");
    if (sent && cards >= 0 && shown.length > cards) {
      sent = false;
      const card = shown[shown.length - 1], wrap = card.closest(".bubble-wrap");
      if (wrap && wrap.scrollHeight > wrap.clientHeight + 1) {  // the chat scrolls: move it, not the page
        wrap.scrollTop += card.getBoundingClientRect().top - wrap.getBoundingClientRect().top;
      } else {
        card.scrollIntoView({ block: "start" });
      }
    }
    cards = shown.length;
  };
  window.addEventListener("keydown", onKey, true);
  window.addEventListener("keypress", onKey, true);

  let sawLink = false;
  const followLink = () => {
    const box = document.querySelector("#resume-link");
    const found = box && box.textContent.match(/\\?(?:session|drill)=[\\w-]+(?:&candidate=[\\w-]+)?/);
    if (found) {
      sawLink = true;
      if (location.search !== found[0]) history.replaceState(null, "", location.pathname + found[0]);
    } else if (sawLink && /[?&](session|drill)=/.test(location.search)) {
      history.replaceState(null, "", location.pathname);
    }
  };
  let restored = false;
  let kept = null;  // what this page last saw in the box: only a change is written, so an idle second tab of the
                    // same interview never writes its stale draft back over an answer sent from another tab
  const keepDraft = () => {
    const session = new URLSearchParams(location.search).get("session");
    const area = document.querySelector("#answer textarea");
    if (!session || !area || area.offsetParent === null) return;
    const key = "coach-draft:" + session;
    if (!restored) {
      restored = true;
      const saved = localStorage.getItem(key);
      if (saved && !area.value) {
        area.value = saved;
        area.dispatchEvent(new Event("input", { bubbles: true }));
      }
      kept = area.value;
      return;
    }
    if (area.value === kept) return;
    kept = area.value;
    if (area.value) localStorage.setItem(key, area.value);
    else localStorage.removeItem(key);
  };
  setInterval(() => { followLink(); keepDraft(); }, 1000);
  setInterval(showNewCard, 300);
}"""
