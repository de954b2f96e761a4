// Enhancements only: every page works without this script.
// 1. A form with data-confirm asks before it is sent.
// 2. An upload form (class "upload") shows how much of the file has been sent, then that the
//    server is checking it, with the time a file of its size takes.
// 3. A form with data-busy says so on its button while the server works (posting a large file),
//    and cannot be sent twice.
"use strict";
document.addEventListener("submit", function (e) {
  var form = e.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    e.preventDefault();
    return;
  }
  var busy = form.getAttribute("data-busy");
  if (busy) {
    if (form.getAttribute("data-sent")) {
      e.preventDefault();
      return;
    }
    form.setAttribute("data-sent", "1");
    var b = form.querySelector("button[type=submit]");
    if (b) {
      b.setAttribute("data-label", b.textContent);
      window.setTimeout(function () { b.disabled = true; b.textContent = busy; }, 0);
    }
  }
  if (!form.classList.contains("upload") || !window.FormData || !window.XMLHttpRequest) {
    return;
  }
  var file = form.querySelector("input[type=file]");
  if (!file || !file.files || !file.files.length || file.files[0].size < 1048576) {
    return;
  }
  // About 5 MB of rows a second are read and checked (docs/BENCHMARKS.md).
  var seconds = Math.max(1, Math.round(file.files[0].size / 5e6));
  e.preventDefault();
  var bar = form.querySelector("progress");
  var note = form.querySelector(".progress-note");
  if (bar) { bar.hidden = false; bar.value = 0; }
  var button = form.querySelector("button[type=submit]");
  if (button) { button.disabled = true; }
  var xhr = new XMLHttpRequest();
  xhr.open("POST", form.action);
  xhr.upload.addEventListener("progress", function (p) {
    if (p.lengthComputable && bar) {
      bar.value = p.loaded / p.total;
      if (note) {
        note.textContent = p.loaded < p.total
          ? "已上传 " + Math.round(p.loaded / p.total * 100) + "%"
          : "上传完成，正在逐行检查，约需 " + seconds + " 秒；检查完成前不会写入任何数据……";
      }
    }
  });
  xhr.addEventListener("load", function () {
    if (xhr.status < 400 && xhr.responseURL) {
      window.location.assign(xhr.responseURL);
    } else {
      document.open();
      document.write(xhr.responseText);
      document.close();
    }
  });
  xhr.addEventListener("error", function () {
    if (note) { note.textContent = "上传中断：请检查网络后重试。"; }
    if (button) { button.disabled = false; }
  });
  xhr.send(new FormData(form));
});
// A page brought back by the browser's Back button is usable again.
window.addEventListener("pageshow", function (e) {
  if (!e.persisted) { return; }
  var forms = document.querySelectorAll("form[data-sent]");
  for (var i = 0; i < forms.length; i++) {
    forms[i].removeAttribute("data-sent");
    var b = forms[i].querySelector("button[type=submit]");
    if (b) {
      b.disabled = false;
      if (b.getAttribute("data-label")) { b.textContent = b.getAttribute("data-label"); }
    }
  }
});
