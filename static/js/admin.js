// Names for the Django admin's inputs that have no label of their own (WCAG 4.1.2): the
// two halves of a date-and-time field, the "delete" box of an inline row, the autocomplete
// boxes and the search icons of the two-list selector. Runs after the admin's own scripts
// have built their widgets (on load), then marks the page ready.
(() => {
  "use strict";

  function labelText(id) {
    const label = document.querySelector(`label[for="${CSS.escape(id)}"]`);
    return label ? label.textContent.replace(/:\s*$/, "").trim() : "";
  }

  function name() {
    for (const input of document.querySelectorAll("input.vDateField, input.vTimeField")) {
      if (input.labels.length || input.hasAttribute("aria-label")) continue;
      const base = input.id.replace(/_[01]$/, "");
      const field = labelText(base) || labelText(`${base}_0`) || base;
      const part = input.classList.contains("vDateField") ? "📅" : "🕒";
      input.setAttribute("aria-label", `${field} ${part}`);
    }
    for (const box of document.querySelectorAll("input[type=checkbox][name$='-DELETE']")) {
      if (box.labels.length || box.hasAttribute("aria-label")) continue;
      const header = box.closest("table")?.querySelector("th.delete, thead th:last-child");
      const row = box.closest("tr")?.querySelector("td.original p, td:not(.delete)");
      box.setAttribute(
        "aria-label",
        `${(header && header.textContent.trim()) || "×"} ${(row && row.textContent.trim()) || ""}`.trim(),
      );
    }
    // Tabular inlines: a field is named by its column's header.
    for (const field of document.querySelectorAll(".tabular td input, .tabular td select, .tabular td textarea")) {
      if (field.type === "hidden" || field.labels.length || field.hasAttribute("aria-label")) continue;
      const cell = field.closest("td");
      const header = cell.closest("table").querySelectorAll("thead th")[cell.cellIndex];
      if (header && header.textContent.trim()) field.setAttribute("aria-label", header.textContent.trim());
    }
    for (const combo of document.querySelectorAll(".select2-selection[role=combobox]")) {
      const select = combo.closest(".select2")?.previousElementSibling;
      const text = select && select.id ? labelText(select.id) : "";
      if (text && !combo.hasAttribute("aria-label")) combo.setAttribute("aria-label", text);
      const rendered = combo.querySelector("[role=textbox]");
      if (rendered && text) rendered.setAttribute("aria-label", text);
    }
    for (const icon of document.querySelectorAll("span.help-tooltip[aria-label]")) {
      icon.setAttribute("role", "img");
    }
    for (const select of document.querySelectorAll("select:not([aria-label])")) {
      if (select.labels.length) continue;
      const text = labelText(select.id.replace(/_(from|to)$/, ""));
      if (text) select.setAttribute("aria-label", text);
    }
    document.documentElement.dataset.k0Admin = "ready";
  }

  window.addEventListener("load", () => window.setTimeout(name, 0));
})();
