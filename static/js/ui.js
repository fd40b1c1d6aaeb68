// Alpine components for templates/components/ (the CSP build evaluates no expressions:
// each x-data names one of these, and directives name their properties and methods).
document.addEventListener("alpine:init", () => {
  const Alpine = window.Alpine;
  // The header's menus (mobile navigation, user menu, the bell): Escape or a click
  // outside closes. The bell's trigger is a link without JS; `asButton` makes it a button
  // once Alpine runs, and `dismiss` (Escape) gives it the focus back.
  Alpine.data("disclosure", () => ({
    open: false,
    asButton: "button",
    toggle() { this.open = !this.open; },
    close() { this.open = false; },
    dismiss() {
      if (this.open && this.$refs.trigger) this.$refs.trigger.focus();
      this.open = false;
    },
    expanded() { return String(this.open); },
  }));
  // components/confirm_modal.html: the trigger opens a dialog; "confirm" submits the form.
  Alpine.data("confirmModal", () => ({
    open: false,
    show() { this.open = true; this.$nextTick(() => this.$refs.cancel.focus()); },
    hide() { this.open = false; },
    confirm() { this.open = false; this.$refs.form.submit(); },
  }));
  // components/toasts.html: a message stays until dismissed (no timer: WCAG 2.2.1).
  Alpine.data("toast", () => ({
    visible: true,
    dismiss() { this.visible = false; },
  }));
});
