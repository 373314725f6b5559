/* The pupil support plan. On a standards page and in Find adjustments it adds an "Add to plan" button to each
   standard; on teachers/support-plan/ it shows the plan as assess, plan, do, review, with print, export, import
   and forget. Without this script the pages are as they were and no button shows.

   The plan lives only in this browser's localStorage, under one key per edition ("oap-support-plan.v1:" and the
   site's path, so a national and a council edition on one host keep their plans apart); "Forget this plan" removes
   this edition's key and leaves other editions' plans alone. Nothing is sent anywhere: the standards' data comes from support-plan-data.js, made
   by the build (builder/supportplan.py), and a file is exported through a Blob URL made here. The file's format is
   data/support-plan.schema.json; an import is checked against the same rules before it replaces anything. */
(function () {
  "use strict";

  var PREFIX = "oap-support-plan";
  var FORMAT = "oap-support-plan";
  var DATE = /^([0-9]{4}-[0-9]{2}-[0-9]{2})?$/;
  var ID = /^[a-z0-9][a-z0-9-]{0,99}$/;
  var FINGERPRINT = /^sha256:[0-9a-f]{16}$/;
  var MAX_FILE = 1024 * 1024;

  var script = document.currentScript;
  var root = script ? new URL("../../", script.src).href : "";
  var planUrl = root + "teachers/support-plan/";
  // One plan per site: two editions published on one host (national and a council's) keep their plans apart.
  var KEY = PREFIX + ".v1:" + (root ? new URL(root).pathname : "/");
  var data = window.OAP_PLAN_DATA || null;

  // -- storage ------------------------------------------------------------------------------------------------------
  function storage() {
    try {
      return window.localStorage;
    } catch (e) {
      return null; // storage turned off: the plan works until the page closes
    }
  }

  function emptyPlan() {
    var edition = data ? data.edition : { title: "", version: "", date: "" };
    return {
      format: FORMAT,
      format_version: 1,
      edition: { title: edition.title, version: edition.version, date: edition.date },
      pupil: "",
      assess: "",
      outcomes: "",
      review_date: "",
      standards: []
    };
  }

  // The standard a user-supplied id names in this edition, or null: never something inherited from Object.prototype
  // (an id such as "constructor" passes the id pattern).
  function standardFor(id) {
    var standards = data ? data.standards : null;
    return standards && typeof id === "string" && Object.prototype.hasOwnProperty.call(standards, id) ? standards[id] : null;
  }

  // Set when the plan stored in this browser could not be read; the plan page says so.
  var damaged = false;

  // A stored plan is checked as strictly as an imported file. Standards added on other pages wait as
  // {id, title, pending: true} until the plan page fills them in, and a plan begun on a standards page has no
  // edition date yet: both are allowed here and nowhere else.
  function checkStored(plan) {
    if (kind(plan) !== "object" || !Array.isArray(plan.standards)) {
      return "not a plan";
    }
    var copy = {};
    Object.keys(plan).forEach(function (k) { copy[k] = plan[k]; });
    var kept = [];
    for (var i = 0; i < plan.standards.length; i++) {
      var s = plan.standards[i];
      if (kind(s) === "object" && s.pending === true) {
        var problem = onlyKeys(s, ["id", "title", "pending"], "standards[" + i + "]") || text(s.title, 300, "title");
        if (problem || typeof s.id !== "string" || !ID.test(s.id)) {
          return problem || "standards[" + i + "].id is not a standard's id";
        }
        if (indexOf({ standards: plan.standards.slice(0, i) }, s.id) >= 0) {
          return s.id + " is in the plan twice";
        }
      } else {
        kept.push(s);
      }
    }
    copy.standards = kept;
    if (kind(plan.edition) === "object" && plan.edition.date === "") {
      copy.edition = { title: plan.edition.title, version: plan.edition.version, date: "2000-01-01" };
    }
    return checkPlan(copy);
  }

  function load() {
    var store = storage();
    var text = store ? store.getItem(KEY) : null;
    if (!text) {
      return emptyPlan();
    }
    try {
      var plan = JSON.parse(text);
      if (!checkStored(plan)) {
        return plan;
      }
    } catch (e) {
      /* not JSON: treated as damaged below */
    }
    damaged = true; // start afresh rather than stop working; the entry stays until the plan is saved or forgotten
    return emptyPlan();
  }

  function save(plan) {
    var store = storage();
    if (store) {
      store.setItem(KEY, JSON.stringify(plan));
    }
  }

  function forget() {
    var store = storage();
    if (!store) {
      return;
    }
    store.removeItem(KEY); // only this edition's plan: the button says "this plan"
  }

  function indexOf(plan, id) {
    for (var i = 0; i < plan.standards.length; i++) {
      if (plan.standards[i].id === id) {
        return i;
      }
    }
    return -1;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      node.setAttribute(name, attrs[name]);
    });
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  // -- "Add to plan" on standards pages and in the finder ------------------------------------------------------------
  function addButtons() {
    var targets = [];
    document.querySelectorAll(".md-content h3.oap-standard-title[id]").forEach(function (heading) {
      var title = heading.cloneNode(true);
      title.querySelectorAll(".headerlink").forEach(function (a) {
        a.remove();
      });
      targets.push({ id: heading.id, title: title.textContent.trim(), place: function (row) { heading.after(row); } });
    });
    document.querySelectorAll(".oap-finder__item[data-id]").forEach(function (item) {
      var heading = item.querySelector("h4");
      targets.push({
        id: item.getAttribute("data-id"),
        title: heading ? heading.textContent.trim() : item.getAttribute("data-id"),
        place: function (row) { item.appendChild(row); }
      });
    });
    if (targets.length === 0) {
      return;
    }
    var announce = el("p", { class: "oap-visually-hidden", role: "status", "aria-live": "polite" });
    document.body.appendChild(announce);
    targets.forEach(function (t) {
      var row = el("div", { class: "oap-plan-add" });
      var button = el("button", { type: "button", class: "md-button oap-plan-add__button", "data-plan-id": t.id });
      var open = el("a", { href: planUrl, class: "oap-plan-add__open" }, "Open the pupil support plan");
      function show() {
        var inPlan = indexOf(load(), t.id) >= 0;
        button.textContent = inPlan ? "Remove from plan" : "Add to plan";
        button.appendChild(el("span", { class: "oap-visually-hidden" }, ": " + t.title));
        open.hidden = !inPlan;
      }
      button.addEventListener("click", function () {
        var plan = load();
        var at = indexOf(plan, t.id);
        if (at >= 0) {
          plan.standards.splice(at, 1);
          announce.textContent = "Removed \u201c" + t.title + "\u201d from the pupil support plan.";
        } else {
          // The plan page fills in the adjustments, who provides, who pays and how often from the edition's data.
          plan.standards.push({ id: t.id, title: t.title, pending: true });
          announce.textContent = "Added \u201c" + t.title + "\u201d to the pupil support plan.";
        }
        save(plan);
        show();
      });
      show();
      row.appendChild(button);
      row.appendChild(open);
      t.place(row);
    });
  }

  // -- checking an imported file (the rules of data/support-plan.schema.json) ---------------------------------------
  function kind(value) {
    return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  }

  function onlyKeys(value, keys, where) {
    var extra = Object.keys(value).filter(function (k) { return keys.indexOf(k) < 0; });
    if (extra.length) {
      return where + ": unknown field \u201c" + extra[0] + "\u201d";
    }
    var missing = keys.filter(function (k) { return !(k in value); });
    return missing.length ? where + ": the field \u201c" + missing[0] + "\u201d is missing" : null;
  }

  function text(value, max, where) {
    if (typeof value !== "string") {
      return where + " should be text, not " + kind(value);
    }
    return value.length > max ? where + " is longer than " + max + " characters" : null;
  }

  function checkPlan(plan) {
    if (kind(plan) !== "object") {
      return "the file holds " + kind(plan) + ", not a plan";
    }
    var problem = onlyKeys(plan, ["format", "format_version", "edition", "pupil", "assess", "outcomes", "review_date", "standards"], "the plan");
    if (problem) { return problem; }
    if (plan.format !== FORMAT) { return "format should be \u201c" + FORMAT + "\u201d"; }
    if (plan.format_version !== 1) { return "format_version should be 1"; }
    if (kind(plan.edition) !== "object") { return "edition should be an object"; }
    problem = onlyKeys(plan.edition, ["title", "version", "date"], "edition") ||
      text(plan.edition.title, 200, "edition.title") || text(plan.edition.version, 50, "edition.version") ||
      text(plan.edition.date, 10, "edition.date") ||
      text(plan.pupil, 20, "pupil") || text(plan.assess, 5000, "assess") || text(plan.outcomes, 5000, "outcomes") ||
      text(plan.review_date, 10, "review_date");
    if (problem) { return problem; }
    if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(plan.edition.date)) { return "edition.date should be a date like 2026-11-29"; }
    if (!DATE.test(plan.review_date)) { return "review_date should be a date like 2026-11-29, or empty"; }
    if (!Array.isArray(plan.standards) || plan.standards.length > 200) { return "standards should be a list of up to 200"; }
    for (var i = 0; i < plan.standards.length; i++) {
      var s = plan.standards[i], where = "standards[" + i + "]";
      if (kind(s) !== "object") { return where + " should be an object"; }
      problem = onlyKeys(s, ["id", "title", "fingerprint", "adjustments", "who_provides", "who_pays", "how_often", "review_date"], where) ||
        text(s.id, 100, where + ".id") || text(s.title, 300, where + ".title") || text(s.fingerprint, 30, where + ".fingerprint") ||
        text(s.how_often, 1000, where + ".how_often") || text(s.review_date, 10, where + ".review_date");
      if (problem) { return problem; }
      if (!ID.test(s.id)) { return where + ".id \u201c" + s.id + "\u201d is not a standard's id"; }
      if (!FINGERPRINT.test(s.fingerprint)) { return where + ".fingerprint is not a fingerprint from this site"; }
      if (!DATE.test(s.review_date)) { return where + ".review_date should be a date like 2026-11-29, or empty"; }
      if (!Array.isArray(s.adjustments) || s.adjustments.length > 100) { return where + ".adjustments should be a list"; }
      for (var j = 0; j < s.adjustments.length; j++) {
        var a = s.adjustments[j], at = where + ".adjustments[" + j + "]";
        if (kind(a) !== "object") { return at + " should be an object"; }
        problem = onlyKeys(a, ["text", "chosen"], at) || text(a.text, 2000, at + ".text");
        if (problem) { return problem; }
        if (typeof a.chosen !== "boolean") { return at + ".chosen should be true or false"; }
      }
      var lists = ["who_provides", "who_pays"];
      for (var k = 0; k < lists.length; k++) {
        var names = s[lists[k]];
        if (!Array.isArray(names) || names.length > 50) { return where + "." + lists[k] + " should be a list"; }
        for (var n = 0; n < names.length; n++) {
          problem = text(names[n], 200, where + "." + lists[k] + "[" + n + "]");
          if (problem) { return problem; }
        }
      }
      if (indexOf({ standards: plan.standards.slice(0, i) }, s.id) >= 0) { return where + ": " + s.id + " is in the plan twice"; }
    }
    return null;
  }

  // -- the plan page --------------------------------------------------------------------------------------------------
  function planPage() {
    var box = document.getElementById("oap-plan");
    if (!box || !data) {
      return;
    }
    var fields = {
      pupil: document.getElementById("oap-plan-pupil"),
      assess: document.getElementById("oap-plan-assess"),
      outcomes: document.getElementById("oap-plan-outcomes"),
      review_date: document.getElementById("oap-plan-review")
    };
    var list = document.getElementById("oap-plan-standards");
    var empty = document.getElementById("oap-plan-empty");
    var notice = document.getElementById("oap-plan-notice");
    var error = document.getElementById("oap-plan-error");
    var editionLine = document.getElementById("oap-plan-edition");
    var plan = load();

    // Standards added on other pages arrive with an id and a title: fill them in from this edition.
    var filled = false;
    plan.standards = plan.standards.map(function (s) {
      if (!s.pending) {
        return s;
      }
      filled = true;
      var d = standardFor(s.id);
      if (!d) {
        return { id: s.id, title: s.title, fingerprint: "sha256:0000000000000000", adjustments: [], who_provides: [], who_pays: [], how_often: "", review_date: "" };
      }
      return {
        id: s.id,
        title: d.title,
        fingerprint: d.fingerprint,
        adjustments: d.adjustments.map(function (a) { return { text: a, chosen: true }; }),
        who_provides: d.who_provides.slice(),
        who_pays: d.who_pays.slice(),
        how_often: d.how_often,
        review_date: ""
      };
    });
    if (!plan.edition || !plan.edition.date) { // begun on a standards page, which has no edition data
      plan.edition = emptyPlan().edition;
      filled = true;
    }
    if (filled) {
      save(plan);
    }

    function editionText(e) {
      return "version " + e.version + ", content as of " + e.date;
    }

    function change() {
      save(plan);
    }

    function labelled(id, label, input) {
      var wrap = el("div", { class: "oap-plan__field" });
      wrap.appendChild(el("label", { for: id }, label));
      wrap.appendChild(input);
      return wrap;
    }

    function item(s, i) {
      var d = standardFor(s.id);
      var n = "oap-plan-item-" + i;
      var section = el("section", { class: "oap-plan__item", "aria-labelledby": n + "-title", "data-plan-id": s.id });
      var heading = el("h3", { id: n + "-title" });
      if (d) {
        heading.appendChild(el("a", { href: root + d.url }, s.title));
      } else {
        heading.textContent = s.title;
      }
      section.appendChild(heading);
      section.appendChild(el("p", { class: "oap-plan__id" }, "Standard " + s.id + (d ? " \u00b7 " + d.tier + " tier \u00b7 " + d.phase : "")));
      if (!d) {
        var gone = el("p", { class: "oap-plan__warning", "data-status": "gone" });
        gone.appendChild(el("strong", {}, "No longer in this edition."));
        gone.appendChild(document.createTextNode(" This standard is not in the edition on this site (" + editionText(data.edition) +
          "). The plan keeps what it said when it was added; check whether another standard now covers this support."));
        section.appendChild(gone);
      } else if (d.fingerprint !== s.fingerprint) {
        var changed = el("p", { class: "oap-plan__warning", "data-status": "changed" });
        changed.appendChild(el("strong", {}, "Changed since this plan was made."));
        changed.appendChild(document.createTextNode(" The standard reads differently in the edition on this site (" +
          editionText(data.edition) + "). The plan keeps what it said when it was added: read the standard again."));
        section.appendChild(changed);
      }
      if (s.adjustments.length) {
        var set = el("fieldset", { class: "oap-plan__adjustments" });
        set.appendChild(el("legend", {}, "Adjustments chosen for this pupil"));
        s.adjustments.forEach(function (a, j) {
          var id = n + "-adj-" + j;
          var row = el("div", { class: "oap-plan__check" + (a.chosen ? "" : " oap-plan__check--off") });
          var box = el("input", { type: "checkbox", id: id });
          box.checked = a.chosen;
          box.addEventListener("change", function () {
            a.chosen = box.checked;
            row.classList.toggle("oap-plan__check--off", !a.chosen);
            change();
          });
          row.appendChild(box);
          row.appendChild(el("label", { for: id }, a.text));
          set.appendChild(row);
        });
        section.appendChild(set);
      }
      var who = el("dl", { class: "oap-plan__who" });
      who.appendChild(el("dt", {}, "Who provides"));
      who.appendChild(el("dd", {}, s.who_provides.join(", ") || "Not stated"));
      who.appendChild(el("dt", {}, "Who pays"));
      who.appendChild(el("dd", {}, s.who_pays.join(", ") || "Not stated"));
      section.appendChild(who);
      var often = el("input", { type: "text", id: n + "-often", maxlength: "1000", autocomplete: "off" });
      often.value = s.how_often;
      often.addEventListener("input", function () { s.how_often = often.value; change(); });
      section.appendChild(labelled(n + "-often", "How often", often));
      var review = el("input", { type: "date", id: n + "-review" });
      review.value = s.review_date;
      review.addEventListener("change", function () { s.review_date = DATE.test(review.value) ? review.value : ""; change(); });
      section.appendChild(labelled(n + "-review", "Review date", review));
      var remove = el("button", { type: "button", class: "md-button oap-plan__remove" }, "Remove from plan");
      remove.appendChild(el("span", { class: "oap-visually-hidden" }, ": " + s.title));
      remove.addEventListener("click", function () {
        plan.standards.splice(plan.standards.indexOf(s), 1);
        change();
        show();
        notice.textContent = "Removed \u201c" + s.title + "\u201d from the plan.";
        fields.outcomes.focus();
      });
      section.appendChild(remove);
      return section;
    }

    function show() {
      Object.keys(fields).forEach(function (name) {
        fields[name].value = plan[name];
      });
      var same = plan.edition.version === data.edition.version && plan.edition.date === data.edition.date;
      editionLine.textContent = "Plan made with " + (plan.edition.title || "this site") + ", " + editionText(plan.edition) + "." +
        (same ? "" : " This site now has " + editionText(data.edition) + ".");
      list.textContent = "";
      plan.standards.forEach(function (s, i) {
        list.appendChild(item(s, i));
      });
      empty.hidden = plan.standards.length > 0;
    }

    Object.keys(fields).forEach(function (name) {
      var input = fields[name];
      input.addEventListener(input.type === "date" ? "change" : "input", function () {
        plan[name] = name === "review_date" && !DATE.test(input.value) ? "" : input.value;
        change();
      });
    });

    document.getElementById("oap-plan-print").addEventListener("click", function () {
      window.print();
    });

    document.getElementById("oap-plan-export").addEventListener("click", function () {
      var blob = new Blob([JSON.stringify(plan, null, 2) + "\n"], { type: "application/json" });
      var url = URL.createObjectURL(blob);
      var link = el("a", { href: url, download: "support-plan" + (plan.pupil ? "-" + plan.pupil.replace(/[^A-Za-z0-9-]+/g, "") : "") + ".json" });
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
      notice.textContent = "The plan has been exported as a file. Keep it as you would any pupil record.";
    });

    document.getElementById("oap-plan-forget").addEventListener("click", function () {
      forget();
      plan = emptyPlan();
      show();
      error.textContent = "";
      notice.textContent = "The plan has been forgotten: nothing of it is left in this browser.";
    });

    var upload = document.getElementById("oap-plan-import");
    upload.addEventListener("change", function () {
      var file = upload.files && upload.files[0];
      error.textContent = "";
      if (!file) {
        return;
      }
      function refuse(why) {
        error.textContent = "The file \u201c" + file.name + "\u201d could not be imported: " + why +
          ". Choose a plan file exported from this page. Your plan has not changed.";
        upload.value = "";
      }
      if (file.size > MAX_FILE) {
        refuse("it is larger than a plan can be (1 MB)");
        return;
      }
      var reader = new FileReader();
      reader.onload = function () {
        var imported;
        try {
          imported = JSON.parse(String(reader.result));
        } catch (e) {
          refuse("it is not a JSON file");
          return;
        }
        var problem = checkPlan(imported);
        if (problem) {
          refuse(problem);
          return;
        }
        plan = imported;
        save(plan);
        show();
        upload.value = "";
        var gone = plan.standards.filter(function (s) { return !standardFor(s.id); }).length;
        var changed = plan.standards.filter(function (s) { var d = standardFor(s.id); return d && d.fingerprint !== s.fingerprint; }).length;
        notice.textContent = "Imported the plan from \u201c" + file.name + "\u201d." +
          (gone ? " " + gone + " of its standards " + (gone === 1 ? "is" : "are") + " no longer in this edition." : "") +
          (changed ? " " + changed + " " + (changed === 1 ? "has" : "have") + " changed since the plan was made." : "");
      };
      reader.onerror = function () {
        refuse("it could not be read");
      };
      reader.readAsText(file);
    });

    show();
    if (damaged) {
      notice.textContent = "The plan saved in this browser could not be read, so this page starts with an empty plan. " +
        "Import a plan file you exported, or start again.";
    }
    document.getElementById("oap-plan-nojs").hidden = true;
    box.hidden = false;
  }

  addButtons();
  planPage();
})();
