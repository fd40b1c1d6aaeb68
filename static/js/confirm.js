// <form data-confirm="Question?"> asks before it submits (an inline onsubmit would be
// blocked by the Content-Security-Policy).
document.addEventListener(
  "submit",
  (event) => {
    const form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  },
  true,
);
