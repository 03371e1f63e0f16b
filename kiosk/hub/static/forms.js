/* The hub's forms, as GOV.UK Frontend's error summary behaves: when a page comes back with
   problems, the summary takes the focus (a screen reader reads it out, a keyboard user is
   at the list of problems), and following one of its links puts the focus in that field
   with its label or legend in view. Without script, the links still jump to each field. */
(function () {
  "use strict";

  var summary = document.querySelector("[data-error-summary]");
  if (!summary) {
    return;
  }
  summary.focus();

  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) {
      return;
    }
    var input = document.getElementById(link.getAttribute("href").slice(1));
    if (!input) {
      return;
    }
    event.preventDefault();
    // The input's own label, else (a radio) its fieldset's legend, is what should be in view.
    var label = document.querySelector("label[for='" + CSS.escape(input.id) + "']");
    var fieldset = input.closest("fieldset");
    var legend = fieldset && fieldset.querySelector("legend");
    var target = (input.type === "radio" ? legend : label) || legend || input;
    target.scrollIntoView();
    input.focus({preventScroll: true});
  });
}());
