// Keyboard moves for the officer pages. Everything works without this script; it only adds
// keys. Written for old browsers too: no modules, no arrow functions.
(function () {
  function typing(e) {
    var tag = (e.target && e.target.tagName) || "";
    return tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || e.ctrlKey || e.altKey || e.metaKey;
  }
  var all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      var boxes = document.querySelectorAll("table.queue tbody input[type=checkbox]");
      for (var i = 0; i < boxes.length; i++) { boxes[i].checked = all.checked; }
    });
  }
  // Department lists: the chosen file's text goes into the form, which posts it as text.
  var file = document.getElementById("g-file");
  if (file && window.FileReader) {
    file.addEventListener("change", function () {
      if (!file.files.length) { return; }
      var reader = new FileReader();
      reader.onload = function () { document.getElementById("g-csv").value = reader.result; };
      reader.readAsText(file.files[0]);
    });
  }
  var rows = document.querySelectorAll("table.queue tbody tr");
  var current = -1;
  function move(to) {
    if (!rows.length) { return; }
    if (current >= 0) { rows[current].className = ""; }
    current = Math.max(0, Math.min(rows.length - 1, to));
    rows[current].className = "current";
    rows[current].focus();
  }
  document.addEventListener("keydown", function (e) {
    if (typing(e)) { return; }
    var k = e.key;
    if (rows.length) {
      if (k === "j") { move(current + 1); e.preventDefault(); }
      else if (k === "k") { move(current - 1); e.preventDefault(); }
      else if (k === "x" && current >= 0) {
        var box = rows[current].querySelector("input[type=checkbox]");
        box.checked = !box.checked; e.preventDefault();
      } else if (k === "Enter" && current >= 0) {
        window.location = rows[current].querySelector("a").href; e.preventDefault();
      }
    }
    var approve = document.getElementById("approve-form");
    if (k === "a" && approve) { approve.submit(); e.preventDefault(); }
    var reason = document.getElementById("reason");
    if (k === "r" && reason) { reason.focus(); e.preventDefault(); }
    var back = document.getElementById("back");
    if (k === "u" && back) { window.location = back.href; e.preventDefault(); }
  });
})();
