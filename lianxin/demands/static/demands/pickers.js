// The dispatch form's unit pickers (phone-first): a filter box over the lead unit's options and over the
// assisting units' checkboxes, buttons that pick a suggested unit, and the count of assisting units ticked;
// on the 受理 form, the intake panel's suggestions pick the category (and 特急) in the one accept form.
// In a file, so the Content-Security-Policy needs no inline script. Every handler is delegated from the
// document: the action panel is replaced by HTMX after each action and this file may be loaded again with
// it, so it installs itself once and needs no set-up per form.
(function () {
  "use strict";
  if (window.lianxinUnitPickers) {
    return;
  }
  window.lianxinUnitPickers = true;

  function norm(text) {
    return (text || "").replace(/\s+/g, "").toLowerCase();
  }

  function filterSelect(input) {
    var select = document.querySelector(input.getAttribute("data-filter-select"));
    if (!select) {
      return;
    }
    var wanted = norm(input.value);
    var firstShown = null;
    var shown = 0;
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) {
        return; // the "please choose" line stays
      }
      var match = !wanted || norm(option.textContent).indexOf(wanted) !== -1;
      option.hidden = !match;
      option.disabled = !match && !option.selected;
      if (match) {
        shown += 1;
        if (firstShown === null) {
          firstShown = option;
        }
      }
    });
    var chosen = select.options[select.selectedIndex];
    if (wanted && firstShown && (!chosen || chosen.hidden || !chosen.value)) {
      firstShown.selected = true; // typing a name picks the first unit that has it
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    var none = document.getElementById(select.id.replace("dispatch-unit-", "dispatch-unit-none-"));
    if (none) {
      none.hidden = shown > 0;
    }
  }

  function filterList(input) {
    var list = document.querySelector(input.getAttribute("data-filter-list"));
    if (!list) {
      return;
    }
    var wanted = norm(input.value);
    list.querySelectorAll("[data-filter-item]").forEach(function (item) {
      var box = item.querySelector("input[type=checkbox]");
      var match = !wanted || norm(item.textContent).indexOf(wanted) !== -1;
      item.hidden = !match && !(box && box.checked); // a ticked unit never disappears from view
    });
  }

  function countChecked(list) {
    if (!list || !list.id) {
      return;
    }
    var n = list.querySelectorAll("input[type=checkbox]:checked").length;
    document.querySelectorAll("[data-checked-count='#" + list.id + "']").forEach(function (badge) {
      badge.textContent = String(n);
    });
  }

  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-filter-select]")) {
      filterSelect(el);
    } else if (el.matches && el.matches("[data-filter-list]")) {
      filterList(el);
    }
  });

  document.addEventListener("keydown", function (event) {
    // Enter in a filter box must not post the dispatch form half-filled.
    var el = event.target;
    if (event.key === "Enter" && el.matches && el.matches("[data-filter-select], [data-filter-list]")) {
      event.preventDefault();
    }
  });

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches(".unit-checklist input[type=checkbox]")) {
      countChecked(el.closest(".unit-checklist"));
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-pick-unit]") : null;
    if (!button) {
      return;
    }
    var select = document.querySelector(button.getAttribute("data-pick-select"));
    if (!select) {
      return;
    }
    var value = button.getAttribute("data-pick-unit");
    var filter = document.querySelector("[data-filter-select='#" + select.id + "']");
    if (filter && filter.value) {
      filter.value = "";
      filterSelect(filter);
    }
    Array.prototype.forEach.call(select.options, function (option) {
      if (option.value === value) {
        option.hidden = false;
        option.disabled = false;
        option.selected = true;
      }
    });
    select.dispatchEvent(new Event("change", { bubbles: true }));
    select.focus();
  });

  function pick(select, value) {
    if (!select || !value) {
      return false;
    }
    var found = Array.prototype.some.call(select.options, function (option) {
      return option.value === value;
    });
    if (found) {
      select.value = value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    return found;
  }

  document.addEventListener("click", function (event) {
    // 采用此分类 / 设为特急: they only pick in the 受理 form; its own button accepts.
    var button = event.target.closest
      ? event.target.closest("[data-pick-category], [data-pick-urgency]")
      : null;
    if (!button) {
      return;
    }
    var category = document.getElementById("accept-category");
    pick(category, button.getAttribute("data-pick-category"));
    pick(document.getElementById("accept-urgency"), button.getAttribute("data-pick-urgency"));
    var submit = document.getElementById("btn-accept");
    if (submit) {
      submit.focus(); // the next tap (or Enter) accepts
    } else if (category) {
      category.focus();
    }
  });
})();
