// Loaded synchronously in <head> (an external file: the CSP refuses inline scripts), so the
// page's first paint already has its theme. The server puts a signed-in user's choice in
// <html data-theme>; otherwise localStorage holds it. "system" follows the OS, live.
(() => {
  const root = document.documentElement;
  const media = window.matchMedia("(prefers-color-scheme: dark)");
  const stored = () => { try { return localStorage.getItem("theme"); } catch { return null; } };
  const apply = (choice) => {
    root.dataset.theme = choice;
    root.classList.toggle("dark", choice === "dark" || (choice === "system" && media.matches));
    try { localStorage.setItem("theme", choice); } catch { /* private mode */ }
  };
  apply(root.dataset.theme || stored() || "system");
  media.addEventListener("change", () => apply(root.dataset.theme));
  // The user menu's theme buttons: apply at once, then tell the server (works without JS too).
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-theme-form]");
    if (!form || !event.submitter || !event.submitter.value) return;
    event.preventDefault();
    apply(event.submitter.value);
    const body = new FormData(form);
    body.set("theme", event.submitter.value);
    fetch(form.action, { method: "POST", body, headers: { "X-Requested-With": "fetch" } });
    for (const button of form.querySelectorAll("button[value]")) {
      button.setAttribute("aria-pressed", String(button.value === event.submitter.value));
    }
  });
})();
