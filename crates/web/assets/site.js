// Enhancements only: every page works without this script.
// 1. A form with data-confirm asks before it is sent.
// 2. An upload form (class "upload") shows how much of the file has been sent.
"use strict";
document.addEventListener("submit", function (e) {
  var form = e.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    e.preventDefault();
    return;
  }
  if (!form.classList.contains("upload") || !window.FormData || !window.XMLHttpRequest) {
    return;
  }
  var file = form.querySelector("input[type=file]");
  if (!file || !file.files || !file.files.length || file.files[0].size < 1048576) {
    return;
  }
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
          : "上传完成，正在逐行检查……";
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
