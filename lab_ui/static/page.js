// Small page behaviours Streamlit does not have, bound once per browser tab:
// - ← → Home End step after a toggle was clicked or an option picked (Streamlit ignores its key
//   bindings while a widget holds the focus: a toggle passes them on, a chosen option lets go);
// - on a phone, choosing a page in the sidebar closes it, as Streamlit's own menu does;
// - a field for code or an identifier (``codeFields``: a CSS selector, given by lab_ui/frame.py) is
//   typed as it is written: no spelling marks, and a phone's keyboard neither capitalises nor
//   corrects it. Set as the field is pressed (before it takes the focus and the keyboard opens)
//   and as it takes the focus (Tab): Streamlit draws the fields after this script has run.
// - the sidebar's link to the page shown is marked aria-current="page" (Streamlit marks it by its
//   look alone), so that a screen reader says which page is open. The page shown (``pagePath``) is
//   in the script, so a change of page runs it again; Streamlit also draws the links anew on its
//   own (a first load draws them twice), so they are marked again whenever the sidebar changes.
((codeFields, pagePath) => {
  const SIDEBAR = '[data-testid="stSidebar"]';
  const PAGE_LINK = `${SIDEBAR} a[data-testid="stPageLink-NavLink"]`;
  window.__labShownPage = pagePath;
  if (window.__labWatchSidebar) return window.__labWatchSidebar(20);
  // The links' hrefs are relative to the app's root ("?step=2" is the home page's, "quiz?step=2"
  // the quiz's): the directory of any page's address.
  const markShown = () => {
    const root = new URL(".", location.href);
    const shown = new URL(window.__labShownPage, root).pathname;
    for (const link of document.querySelectorAll(PAGE_LINK)) {
      const current = new URL(link.getAttribute("href") || "", root).pathname === shown;
      if (current === link.hasAttribute("aria-current")) continue;
      if (current) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
  };
  // Only the sidebar is watched, not the page (whose every step would call this); a sidebar
  // drawn anew is found at the next change of page.
  const observer = new MutationObserver(markShown);
  let watched = null;
  const watchSidebar = (tries) => {
    const sidebar = document.querySelector(SIDEBAR);
    if (!sidebar) return tries > 0 && setTimeout(() => watchSidebar(tries - 1), 100);
    if (sidebar !== watched) {
      observer.disconnect();
      observer.observe(sidebar, { childList: true, subtree: true });
      watched = sidebar;
    }
    markShown();
  };
  window.__labWatchSidebar = watchSidebar;
  watchSidebar(20);
  const blurSoon = () => setTimeout(() => document.activeElement && document.activeElement.blur(), 0);
  // A toggle keeps the focus through Streamlit's rerun: its arrows mean nothing, so they step.
  const steps = { ArrowLeft: "step_prev", ArrowRight: "step_next", Home: "step_first", End: "step_last" };
  document.addEventListener("keydown", (event) => {
    const focused = document.activeElement;
    if (event.key === "Enter" && focused && focused.matches('input[role="combobox"]')) blurSoon();  // chosen
    const key = steps[event.key];
    if (!key || !focused || !focused.matches('input[type="checkbox"], input[role="switch"]')) return;
    const button = document.querySelector(`.st-key-${key} button`);
    if (button && !button.disabled) {
      event.preventDefault();
      focused.blur();
      button.click();
    }
  }, true);
  const asWritten = (event) => {
    const field = event.target;
    if (!(field instanceof Element) || !field.matches(codeFields) || field.getAttribute("spellcheck") === "false") return;
    field.setAttribute("spellcheck", "false");
    for (const name of ["autocapitalize", "autocorrect", "autocomplete"]) field.setAttribute(name, "off");
  };
  document.addEventListener("pointerdown", asWritten, true);
  document.addEventListener("focusin", asWritten, true);
  document.addEventListener("click", (event) => {
    if (event.target.closest('[role="option"]')) blurSoon();
    const link = event.target.closest(PAGE_LINK);
    if (link && window.matchMedia("(max-width: 640px)").matches) {
      setTimeout(() => {
        const close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
        if (close) close.click();
      }, 0);
    }
  }, true);
})
