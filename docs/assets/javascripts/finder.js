/* The teachers' finder (teachers/finder/): shows only the standards that match the chosen phase, type of need
   and tier. Without this script every standard stays on the page, grouped by phase and area of need. The choice is
   kept in the address (?phase=primary&need=SPLD&tier=targeted) so a teacher can bookmark or share it. */
(function () {
  "use strict";

  var form = document.getElementById("oap-finder");
  var status = document.getElementById("oap-finder-status");
  if (!form || !status) {
    return;
  }
  var names = ["phase", "need", "tier"];
  var items = Array.prototype.slice.call(document.querySelectorAll(".oap-finder__item"));
  // Document order puts a phase before its areas; deciding inner groups first lets outer ones see the result.
  var groups = Array.prototype.slice.call(document.querySelectorAll(".oap-finder__group")).reverse();

  function choice() {
    var picked = { whole: form.elements.whole.checked };
    names.forEach(function (name) {
      picked[name] = form.elements[name].value;
    });
    return picked;
  }

  // A standard with no need types (the whole-setting expectations) applies to every need, unless left out.
  function matches(item, picked) {
    var needs = item.getAttribute("data-needs").split(" ").filter(Boolean);
    return (
      (picked.whole || needs.length > 0) &&
      (!picked.phase || item.getAttribute("data-phase") === picked.phase) &&
      (!picked.tier || item.getAttribute("data-tier") === picked.tier) &&
      (!picked.need || needs.length === 0 || needs.indexOf(picked.need) >= 0)
    );
  }

  function label(name) {
    var select = form.elements[name];
    return select.options[select.selectedIndex].text;
  }

  function describe(count, picked) {
    var chosen = names
      .filter(function (name) {
        return picked[name];
      })
      .map(label);
    if (!picked.whole) {
      chosen.push("without whole-setting expectations");
    }
    if (chosen.length === 0) {
      return "Showing all " + count + " standards, grouped by phase and area of need.";
    }
    var what = chosen.join(", ");
    if (count === 0) {
      return "No standards match " + what + ". Try choosing \u201cAny\u201d for one of the boxes.";
    }
    return count + (count === 1 ? " standard matches " : " standards match ") + what + ".";
  }

  function remember(picked) {
    var params = new URLSearchParams();
    names.forEach(function (name) {
      if (picked[name]) {
        params.set(name, picked[name]);
      }
    });
    if (!picked.whole) {
      params.set("whole", "no");
    }
    var query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? "?" + query : "") + location.hash);
  }

  function update() {
    var picked = choice();
    var shown = 0;
    items.forEach(function (item) {
      var ok = matches(item, picked);
      item.hidden = !ok;
      shown += ok ? 1 : 0;
    });
    groups.forEach(function (group) {
      group.hidden = !group.querySelector(".oap-finder__item:not([hidden])");
    });
    status.textContent = describe(shown, picked);
    form.setAttribute("data-shown", String(shown));
    remember(picked);
  }

  // Start from the address, ignoring values that are not options (an old or mistyped link).
  var params = new URLSearchParams(location.search);
  names.forEach(function (name) {
    var value = params.get(name);
    var select = form.elements[name];
    if (value && Array.prototype.some.call(select.options, function (o) { return o.value === value; })) {
      select.value = value;
    }
  });
  form.elements.whole.checked = params.get("whole") !== "no";
  form.addEventListener("change", update);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
  });
  document.getElementById("oap-finder-print").addEventListener("click", function () {
    window.print();
  });
  form.hidden = false;
  update();
})();
