// Starts the API reference on this hub's own OpenAPI document. Everything it loads comes from
// this hub: no validator, no fonts or scripts from elsewhere. "Try it out" sends requests to the
// hub that serves this page; the OAuth2 flows go to the hub's OpenID provider.
window.addEventListener("DOMContentLoaded", function () {
  var ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    displayOperationId: true,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    showExtensions: true,
    showCommonExtensions: true,
    oauth2RedirectUrl: window.location.origin + "/docs/oauth2-redirect.html",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
  ui.initOAuth({ usePkceWithAuthorizationCodeGrant: true });
  window.ui = ui;
});
