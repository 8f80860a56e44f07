/* Focus and feedback, and the narrow-screen menu. Served from static/ (no inline scripts:
 * the Content Security Policy is on). Everything here is an enhancement: without JavaScript
 * the menu shows in full and forms post as normal pages.
 *
 * - After a page load or an htmx swap, focus moves to the form's error summary when there is
 *   one, otherwise to the message about what was just saved ([data-feedback]); either is in
 *   the viewport once focused.
 * - The page title starts "Error: " while an error summary shows.
 * - A link in an error summary focuses its field.
 */
(function () {
  "use strict";

  var ERROR_PREFIX = "Error: ";
  document.documentElement.classList.add("js");

  function focusOn(el) {
    if (!el) return false;
    reveal(el);
    if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "-1");
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: "nearest" });
    return true;
  }

  function first(root, selector) {
    return root.querySelector(selector);
  }

  function syncTitle() {
    var hasErrors = !!document.querySelector("[data-error-summary]");
    var title = document.title;
    if (hasErrors && title.indexOf(ERROR_PREFIX) !== 0) {
      document.title = ERROR_PREFIX + title;
    } else if (!hasErrors && title.indexOf(ERROR_PREFIX) === 0) {
      document.title = title.slice(ERROR_PREFIX.length);
    }
  }

  function focusFeedback(root) {
    return focusOn(first(root, "[data-error-summary]")) || focusOn(first(root, "[data-feedback]"));
  }

  // A closed <details> (a folded section) hides what it holds: open the ones around the
  // target first.
  function reveal(el) {
    for (var node = el.parentElement; node; node = node.parentElement) {
      if (node.tagName === "DETAILS" && !node.open) node.open = true;
    }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    var field = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!field) return;
    event.preventDefault();
    reveal(field);
    // Scroll so the question (label or legend) shows above the field, as GOV.UK does.
    var fieldset = field.closest("fieldset");
    var label = (fieldset && fieldset.querySelector("legend")) ||
      document.querySelector("label[for='" + field.id + "']") || field;
    label.scrollIntoView({ block: "start" });
    field.focus({ preventScroll: true });
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    syncTitle();
    var root = event.detail && event.detail.target ? event.detail.target : document;
    focusFeedback(root);
  });

  function setUpMenu() {
    var button = document.querySelector(".menu-toggle");
    var menu = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!menu) return;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("is-open", open);
    });
  }

  function ready() {
    setUpMenu();
    syncTitle();
    focusFeedback(document);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();

/* Tables wider than the screen scroll sideways inside their wrapper. A wrapper that scrolls
 * is a named region in the tab order, so keyboard users can scroll it too; one that fits adds
 * no tab stop. */
(function () {
  "use strict";

  function nameFor(table) {
    var caption = table.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    var section = table.closest("section, article, details, main");
    var heading = section && section.querySelector("h1, h2, h3, h4, summary");
    return heading ? heading.textContent.trim() : "Table";
  }

  function wrap(table) {
    var wrapper = table.parentElement;
    if (!wrapper.classList.contains("table-wrap")) {
      wrapper = document.createElement("div");
      wrapper.className = "table-wrap";
      table.parentElement.insertBefore(wrapper, table);
      wrapper.appendChild(table);
    }
    return wrapper;
  }

  function update() {
    var tables = document.querySelectorAll("main table");
    for (var i = 0; i < tables.length; i++) {
      var wrapper = wrap(tables[i]);
      if (wrapper.scrollWidth > wrapper.clientWidth + 1) {
        wrapper.setAttribute("role", "region");
        wrapper.setAttribute("tabindex", "0");
        wrapper.setAttribute("aria-label", nameFor(tables[i]) + " (scrolls sideways)");
      } else if (wrapper.getAttribute("tabindex") === "0") {
        wrapper.removeAttribute("role");
        wrapper.removeAttribute("tabindex");
        wrapper.removeAttribute("aria-label");
      }
    }
  }

  var pending = null;
  function later() {
    if (pending) window.clearTimeout(pending);
    pending = window.setTimeout(update, 100);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
  window.addEventListener("resize", later);
  document.addEventListener("htmx:afterSettle", update);
  document.addEventListener("toggle", later, true);
})();
