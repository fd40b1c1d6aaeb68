// components/file_drop.html: drop or choose a file; one over the limit is refused here,
// before anything is sent (the server checks the same limit for forms sent without this).
(() => {
  const zoneOf = (node) => node instanceof Element ? node.closest("[data-file-drop]") : null;

  const formatBytes = (bytes) => {
    const units = ["bytes", "KB", "MB", "GB"];
    let value = bytes, unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
    return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
  };

  const showError = (zone, text) => {
    const list = zone.querySelector("[data-file-drop-errors]");
    list.replaceChildren();
    if (text) {
      const item = document.createElement("li");
      item.textContent = text;
      list.append(item);
    }
  };

  // True when the zone's file may be sent.
  const accept = (zone) => {
    const input = zone.querySelector("input[type=file]");
    const file = input.files[0];
    if (!file) return false;
    const limit = Number(zone.dataset.maxBytes);
    if (limit && file.size > limit) {
      showError(zone, `“${file.name}” is ${formatBytes(file.size)}: files can be up to ${formatBytes(limit)}.`);
      input.value = "";
      return false;
    }
    showError(zone, "");
    zone.querySelector("[data-file-drop-chosen]").textContent = `${file.name} · ${formatBytes(file.size)}`;
    return true;
  };

  document.addEventListener("change", (event) => {
    const zone = zoneOf(event.target);
    if (zone && accept(zone) && "submit" in zone.dataset) event.target.form.requestSubmit();
  });

  for (const type of ["dragenter", "dragover"]) {
    document.addEventListener(type, (event) => {
      const zone = zoneOf(event.target);
      if (!zone) return;
      event.preventDefault();
      zone.classList.add("file-drop-over");
    });
  }
  document.addEventListener("dragleave", (event) => {
    const zone = zoneOf(event.target);
    if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("file-drop-over");
  });
  document.addEventListener("drop", (event) => {
    const zone = zoneOf(event.target);
    if (!zone) return;
    event.preventDefault();
    zone.classList.remove("file-drop-over");
    const input = zone.querySelector("input[type=file]");
    input.files = event.dataTransfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });

  // A form sent some other way (the Upload button) with a file over the limit: not sent.
  document.addEventListener("htmx:beforeRequest", (event) => {
    const zone = event.detail.elt instanceof Element ? event.detail.elt.querySelector("[data-file-drop]") : null;
    if (zone && zone.querySelector("input[type=file]").files.length && !accept(zone)) event.preventDefault();
  });
})();
