// Small progressive enhancements; pages work without them.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  var quiet = event.submitter && event.submitter.hasAttribute("data-no-confirm");
  if (question && !quiet && !window.confirm(question)) {
    event.preventDefault();
  }
});
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target.matches && target.matches("[data-autosubmit]")) {
    target.form.submit();
  }
});

// Forms with files (data-upload) are sent from here, so that a slow link shows progress: the
// submit button is disabled at once (a second tap sends nothing; the server also keeps one copy
// of a file given twice), and JPEG photos over REDUCE_ABOVE are scaled to at most MAX_SIDE px
// (a 12 MP photo sends about 1 MB) keeping their EXIF (capture time and place) for the checks.
(function () {
  var MAX_SIDE = 2048;
  var REDUCE_ABOVE = 1.5 * 1024 * 1024;
  var QUALITY = 0.85;

  function exifSegment(bytes) {
    // The original's APP1 "Exif" segment, its orientation set to upright (the canvas drew the
    // picture already turned), or null.
    var view = new DataView(bytes);
    var at = 2;
    while (at + 4 <= view.byteLength && view.getUint8(at) === 0xff) {
      var marker = view.getUint8(at + 1);
      var length = view.getUint16(at + 2);
      if (marker === 0xe1 && view.getUint32(at + 4) === 0x45786966) {
        var segment = bytes.slice(at, at + 2 + length);
        var tiff = new DataView(segment, 10);
        var little = tiff.getUint16(0) === 0x4949;
        var ifd = tiff.getUint32(4, little);
        var entries = tiff.getUint16(ifd, little);
        for (var i = 0; i < entries; i++) {
          var entry = ifd + 2 + i * 12;
          if (tiff.getUint16(entry, little) === 0x0112) {
            tiff.setUint16(entry + 8, 1, little);
          }
        }
        return segment;
      }
      if (marker === 0xda) {
        break;
      }
      at += 2 + length;
    }
    return null;
  }

  function reduce(file) {
    if (file.type !== "image/jpeg" || file.size <= REDUCE_ABOVE || !window.createImageBitmap) {
      return Promise.resolve(file);
    }
    return createImageBitmap(file, { imageOrientation: "from-image" })
      .then(function (bitmap) {
        var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
        if (scale === 1) {
          return file;
        }
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(bitmap.width * scale);
        canvas.height = Math.round(bitmap.height * scale);
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        var drawn = new Promise(function (resolve) {
          canvas.toBlob(resolve, "image/jpeg", QUALITY);
        });
        return Promise.all([drawn, file.arrayBuffer()]).then(function (parts) {
          var blob = parts[0];
          if (!blob || blob.size >= file.size) {
            return file;
          }
          var exif = exifSegment(parts[1]);
          var pieces = exif ? [blob.slice(0, 2), exif, blob.slice(2)] : [blob];
          return new File(pieces, file.name, { type: "image/jpeg", lastModified: file.lastModified });
        });
      })
      .catch(function () {
        return file;
      });
  }

  function formData(form) {
    var data = new FormData(form);
    var inputs = form.querySelectorAll("input[type=file][name]");
    var names = {};
    var waits = [];
    Array.prototype.forEach.call(inputs, function (input) {
      names[input.name] = true;
      Array.prototype.forEach.call(input.files || [], function (file) {
        waits.push(reduce(file).then(function (small) {
          return [input.name, small];
        }));
      });
    });
    Object.keys(names).forEach(function (name) {
      data.delete(name);
    });
    return Promise.all(waits).then(function (files) {
      files.forEach(function (pair) {
        data.append(pair[0], pair[1], pair[1].name);
      });
      return data;
    });
  }

  function go(address) {
    // To the address the server named; the same page again (with a #part) is reloaded.
    var target = new URL(address, window.location.href);
    var here = window.location;
    if (target.pathname + target.search === here.pathname + here.search) {
      here.hash = target.hash;
      here.reload();
    } else {
      here.assign(target.href);
    }
  }

  window.addEventListener("pageshow", function (event) {
    // A page restored by the back button: its forms may be sent again.
    if (event.persisted) {
      Array.prototype.forEach.call(document.querySelectorAll("form[data-sending]"), function (form) {
        form.removeAttribute("data-sending");
        Array.prototype.forEach.call(form.querySelectorAll("[type=submit]"), function (b) {
          b.disabled = false;
        });
      });
    }
  });

  function show(html) {
    // A page answered instead of an address (the form again with its errors, a refusal).
    document.open();
    document.write(html);
    document.close();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.hasAttribute("data-upload")) {
      return;
    }
    var buttons = form.querySelectorAll("button[type=submit], input[type=submit]");
    if (form.getAttribute("data-sending")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-sending", "1");
    Array.prototype.forEach.call(buttons, function (button) {
      button.disabled = true;
    });
    var hasFiles = Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (i) {
      return i.files && i.files.length;
    });
    if (!hasFiles || !window.FormData || !window.Promise) {
      return; // an ordinary submit; the disabled button still stops a second one
    }
    event.preventDefault();
    var box = form.querySelector(".upload-progress");
    var bar = box && box.querySelector("progress");
    var percent = box && box.querySelector("[data-upload-percent]");
    if (box) {
      box.hidden = false;
    }
    form.setAttribute("aria-busy", "true");
    function fail() {
      form.removeAttribute("data-sending");
      form.removeAttribute("aria-busy");
      Array.prototype.forEach.call(buttons, function (button) {
        button.disabled = false;
      });
      if (box) {
        box.hidden = true;
        window.alert(box.getAttribute("data-failed"));
      }
    }
    formData(form).then(function (data) {
      var request = new XMLHttpRequest();
      request.open(form.method || "post", form.action);
      request.setRequestHeader("X-Upload-Progress", "1");
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable && bar) {
          var value = Math.round((100 * e.loaded) / e.total);
          bar.value = value;
          percent.textContent = value;
        }
      });
      request.addEventListener("load", function () {
        var type = request.getResponseHeader("Content-Type") || "";
        if (type.indexOf("application/json") === 0) {
          go(JSON.parse(request.responseText).location);
        } else if (request.responseText) {
          show(request.responseText);
        } else {
          fail();
        }
      });
      request.addEventListener("error", fail);
      request.addEventListener("abort", fail);
      request.send(data);
    });
  });
})();
