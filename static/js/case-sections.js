/* Case page sections: remember which ones a person folds away, and open the one a link
   points into. Without this script every section simply starts open. No dependencies. */
(function () {
  "use strict";

  function contents() {
    return document.querySelector("nav.case-contents[data-sections-url]");
  }

  function save() {
    var nav = contents();
    if (!nav || !window.fetch) return;
    var body = new URLSearchParams();
    document.querySelectorAll("details.case-section[data-section]").forEach(function (el) {
      if (!el.open) body.append("closed", el.getAttribute("data-section"));
    });
    window.fetch(nav.getAttribute("data-sections-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": nav.getAttribute("data-csrf") },
      body: body
    }).catch(function () { /* a preference only: nothing to tell the user */ });
  }

  function reveal(id) {
    if (!id) return;
    var target = document.getElementById(id);
    var el = target && target.closest("details.case-section");
    if (!el && target) el = target.querySelector("details.case-section");
    if (el && !el.open) el.open = true;
  }

  // Only what the person does is remembered: a click (or Enter or Space) on a section's
  // summary. Sections the server renders open, or a link reveals, are not saved.
  document.addEventListener("click", function (event) {
    if (!event.target.closest) return;
    var summary = event.target.closest("summary");
    if (summary && summary.parentElement.matches("details.case-section")) {
      window.setTimeout(save, 0);  // after the browser has opened or closed it
      return;
    }
    var link = event.target.closest("a[href^='#']");
    if (link) reveal(decodeURIComponent(link.getAttribute("href").slice(1)));
  });
  window.addEventListener("hashchange", function () {
    reveal(decodeURIComponent(window.location.hash.slice(1)));
  });
  document.addEventListener("DOMContentLoaded", function () {
    reveal(decodeURIComponent(window.location.hash.slice(1)));
  });
})();
