// The docs page's script (served as is, no build step): Swagger UI over the caller's own
// openapi.json. Internal listener: the SSO token typed into the page goes with every request to
// this gateway (the document, "Try it out"), held in this page's memory only, never in storage or
// the URL. Partner listener: the browser presents the partner's client certificate itself.
(function () {
  'use strict';
  var auth = document.body.getAttribute('data-auth');
  // The document's security scheme: `sso` on the exchange listeners, `bearerAuth` on the admin one.
  var scheme = document.body.getAttribute('data-scheme');
  var specUrl = new URL('openapi.json', document.baseURI).href;
  var status = document.getElementById('status');

  function say(text) {
    status.textContent = text;
  }

  function sameOrigin(url) {
    return new URL(url, document.baseURI).origin === window.location.origin;
  }

  function show(token) {
    say('Memuat dokumen...');
    var ui = SwaggerUIBundle({
      url: specUrl,
      dom_id: '#swagger-ui',
      // No call to the public validator service; no spec URL taken from the page's query string.
      validatorUrl: null,
      queryConfigEnabled: false,
      persistAuthorization: false,
      deepLinking: false,
      requestInterceptor: function (request) {
        if (token && sameOrigin(request.url) && !request.headers.Authorization) request.headers.Authorization = 'Bearer ' + token;
        return request;
      },
      responseInterceptor: function (response) {
        if (response.url === specUrl) {
          var code = response.body && response.body.code ? ' ' + response.body.code : '';
          say(response.ok ? '' : 'Dokumen tidak dapat dibaca: HTTP ' + response.status + code + '.');
        }
        return response;
      },
      onComplete: function () {
        // Swagger UI's own Authorize dialog then shows the token as set.
        if (token) ui.preauthorizeApiKey(scheme, token);
      },
    });
  }

  if (auth !== 'bearer') {
    show(null);
    return;
  }
  var form = document.getElementById('token-form');
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var field = document.getElementById('token');
    var token = field.value.trim().replace(/^Bearer\s+/i, '');
    field.value = '';
    if (token) show(token);
  });
})();
