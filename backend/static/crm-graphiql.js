// Starts GraphiQL against this server's /graphql: queries and mutations over HTTP (the session cookie
// goes along, same origin), subscriptions over the graphql-transport-ws websocket.
(function () {
  "use strict";

  var EXAMPLE = [
    "# The CRM's GraphQL API. Ctrl-Enter runs the query; the Docs button lists every type and field.",
    "# Sign in at /auth/login first, or add an API token under Headers:",
    '#   {"Authorization": "Bearer <token from crm token create>"}',
    "",
    "query Customers($search: String) {",
    "  me { email role }",
    "  customers(first: 10, search: $search) {",
    "    totalCount",
    "    edges { cursor node { id name country status } }",
    "    pageInfo { hasNextPage endCursor }",
    "  }",
    "}",
    "",
  ].join("\n");

  var endpoint = window.location.origin + window.location.pathname;
  var params = new URLSearchParams(window.location.search);

  var http = GraphiQL.createFetcher({
    url: endpoint,
    subscriptionUrl: endpoint.replace(/^http/, "ws"),
  });

  // The operations a document names (comments left out).
  function operationNames(query) {
    var names = [];
    var text = (query || "").replace(/#[^\n]*/g, "");
    var named = /(?:^|[^_0-9A-Za-z])(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/g;
    for (var found = named.exec(text); found; found = named.exec(text)) names.push(found[1]);
    return names;
  }

  // GraphiQL 3 keeps the name of the operation the editor held before: replace the example's named query by an
  // anonymous one and it still sends "Customers", which the server refuses. Send only a name the query defines.
  function fetcher(params, options) {
    if (params.operationName && operationNames(params.query).indexOf(params.operationName) === -1) {
      params = Object.assign({}, params, { operationName: null });
    }
    return http(params, options);
  }

  function keepInUrl(name) {
    return function (value) {
      if (value) params.set(name, value); else params.delete(name);
      history.replaceState(null, "", "?" + params.toString());
    };
  }

  var explorer = GraphiQLPluginExplorer.explorerPlugin();
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      plugins: [explorer],
      defaultQuery: EXAMPLE,
      query: params.get("q") || undefined,
      variables: params.get("variables") || undefined,
      onEditQuery: keepInUrl("q"),
      onEditVariables: keepInUrl("variables"),
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: true,
    })
  );
})();
