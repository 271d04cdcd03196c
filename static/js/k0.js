// Small progressive enhancements; every page works without this file.
//
// Panels (forms opened in place on the case page) are driven by data attributes only, so a
// new section gets the behaviour by markup:
//   <section id="things"> … <a href="FORM_URL" data-panel>Add a thing</a> …
//     <div class="case-panel" data-panel-slot></div> … </section>
// - a link with `data-panel` loads the form's `.form-panel` into the `[data-panel-slot]` of
//   its section (or into the element `data-panel="#selector"` names), closes any other open
//   panel and moves focus to the first field;
// - a form answering with errors is swapped in place and focus goes to its error summary
//   (`[data-error-summary]`, rendered by templates/forms/form.html);
// - Escape, or a link/button with `data-panel-close` in the panel, closes it and returns
//   focus to the link that opened it;
// - after a successful save the server swaps in the case body and names the changed item in
//   the `K0-Changed` header: it is brought into view and focused, and the message is moved
//   into the persistent live region `#messages` (role="status"), so it is announced.
(() => {
  "use strict";

  const FIELD =
    "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])";

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });

  function focusElement(element, block = "start") {
    if (!element) return;
    if (!element.matches("a, button, input, select, textarea, [tabindex]")) {
      element.setAttribute("tabindex", "-1");
    }
    element.scrollIntoView({ block });
    element.focus({ preventScroll: true });
  }

  function focusErrorSummary(root = document) {
    const summary = root.querySelector("[data-error-summary]:not([data-seen])");
    if (!summary) return false;
    summary.setAttribute("data-seen", "");
    focusElement(summary);
    return true;
  }

  function slotFor(link) {
    if (link.dataset.panel) return document.querySelector(link.dataset.panel);
    const section = link.closest("section");
    return section ? section.querySelector("[data-panel-slot]") : null;
  }

  function openerOf(slot) {
    const opener = slot.k0Opener;
    if (opener && opener.isConnected) return opener;
    // The case body may have been swapped since: the same link on the new page.
    return slot.k0OpenerHref
      ? document.querySelector(`a[data-panel][href="${CSS.escape(slot.k0OpenerHref)}"]`)
      : null;
  }

  function closePanel(slot, { returnFocus = true } = {}) {
    const opener = openerOf(slot);
    slot.replaceChildren();
    if (returnFocus && opener) opener.focus();
  }

  function closeOtherPanels(except) {
    for (const slot of document.querySelectorAll("[data-panel-slot]")) {
      if (slot !== except && slot.firstChild) closePanel(slot, { returnFocus: false });
    }
  }

  function focusNewPanel(root = document) {
    const panel = root.querySelector("[data-panel-slot] .form-panel:not([data-seen])");
    if (!panel) return;
    panel.setAttribute("data-seen", "");
    if (focusErrorSummary(panel)) return;
    const field = panel.querySelector(FIELD);
    panel.scrollIntoView({ block: "start" });
    if (field) field.focus({ preventScroll: true });
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-panel]");
    if (!link || !window.htmx || event.button !== 0) return;
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    const slot = slotFor(link);
    if (!slot) return;
    event.preventDefault();
    closeOtherPanels(slot);
    slot.k0Opener = link;
    slot.k0OpenerHref = link.getAttribute("href");
    window.htmx
      .ajax("GET", link.href, { source: link, target: slot, select: ".form-panel", swap: "innerHTML" })
      .then(() => focusNewPanel(slot));
  });

  document.addEventListener("click", (event) => {
    const close = event.target.closest("[data-panel-close]");
    const slot = close && close.closest("[data-panel-slot]");
    if (!slot || !window.htmx) return;
    event.preventDefault();
    closePanel(slot);
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const slot = event.target.closest && event.target.closest("[data-panel-slot]");
    if (!slot || !slot.firstChild) return;
    event.preventDefault();
    closePanel(slot);
  });

  // A link of an error summary focuses its field and shows the field's label or legend.
  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    const field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    event.preventDefault();
    const label = field.closest("fieldset") || field.closest(".field") || field;
    label.scrollIntoView({ block: "start" });
    field.focus({ preventScroll: true });
  });

  function showMessages(root) {
    const region = document.getElementById("messages");
    const flashes = root.querySelectorAll("[data-flash]");
    if (!region || !flashes.length) return;
    region.replaceChildren();
    for (const flash of flashes) {
      region.append(...flash.children);
      flash.remove();
    }
  }

  document.addEventListener("htmx:afterSettle", (event) => {
    const xhr = event.detail.xhr;
    const changed = xhr && xhr.getResponseHeader("K0-Changed");
    const body = document.getElementById("case-body");
    if (body) showMessages(body);
    if (changed) {
      // A change saved: the case body was swapped in; show what changed.
      focusElement(document.getElementById(changed), "center");
      return;
    }
    if (focusErrorSummary()) return;
    focusNewPanel();
  });

  // A page loaded with errors (a form posted without JavaScript) starts at its summary.
  document.addEventListener("DOMContentLoaded", () => focusErrorSummary());
})();
