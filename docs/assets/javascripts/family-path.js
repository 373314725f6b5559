/* The families' guided path (families/support/): a "Copy the letter" button on an answer page. Without this script
   the letter is still there to select and copy. The letter is copied to this device's clipboard only: nothing is
   sent anywhere. */
(function () {
  "use strict";

  var letter = document.getElementById("oap-path-letter");
  var button = document.getElementById("oap-path-copy");
  var status = document.getElementById("oap-path-copy-status");
  if (!letter || !button || !status) {
    return;
  }

  function copied(ok) {
    status.textContent = ok ? "Letter copied. You can paste it into an email or a note." : "Could not copy: select the letter and copy it.";
  }

  // The older way: select the letter's text and ask the browser to copy it (works where the clipboard API does not).
  function copyBySelecting() {
    var range = document.createRange();
    range.selectNodeContents(letter);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    copied(ok);
  }

  button.addEventListener("click", function () {
    var text = letter.textContent;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () {
          copied(true);
        },
        copyBySelecting
      );
    } else {
      copyBySelecting();
    }
  });
  button.closest(".oap-path__copy").hidden = false;
})();
