"""The gateway: routing, the merged API document, docs page, health and the principal header."""

from werkzeug.test import Client

from shared.auth import PRINCIPAL_HEADER, Principal, PrincipalSigner


def test_the_merged_openapi_document_holds_every_service(api):
    spec = api.get("/api/openapi.json").get_json()
    assert spec["info"]["title"] == "Cardbox API"
    assert "/api/relations/relations/{relation_id}" in spec["paths"]
    assert "/api/selections/filters/query" in spec["paths"]
    schemas = spec["components"]["schemas"]
    # Both services have a "RelationPage": each keeps its own under its service's name.
    assert "relations.RelationPage" in schemas and "selections.RelationPage" in schemas
    refs = [ref for ref in _refs(spec)]
    assert refs and all(ref.split("/")[-1] in schemas or ref.split("/")[-2] != "schemas"
                        for ref in refs)


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_the_docs_page_is_served_with_its_assets(api):
    page = api.get("/api/docs/")
    assert page.status_code == 200 and b"/api/openapi.json" in page.data
    assert api.get("/api/docs/swagger-ui-bundle.js").status_code == 200


def test_health_readiness_and_metrics(api):
    assert api.get("/healthz").get_json()["status"] == "ok"
    ready = api.get("/readyz").get_json()
    assert ready["checks"] == {name: "ok" for name in ("accounts", "bulk", "relations",
                                                        "selections")}
    api.get("/api/relations/relations")
    metrics = api.get("/metrics").data.decode()
    assert 'cardbox_http_requests_total{app="gateway"' in metrics


def test_an_unknown_service_is_a_404_problem(api):
    response = api.get("/api/nothing/here")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    assert "relations" in response.get_json()["detail"]


def test_the_correlation_id_is_kept_or_made(api):
    given = api.get("/api/relations/relations", headers={"X-Correlation-ID": "abc-123"})
    assert given.headers["X-Correlation-ID"] == "abc-123"
    made = api.get("/api/relations/relations")
    assert len(made.headers["X-Correlation-ID"]) == 36


def test_a_service_refuses_a_call_that_did_not_come_through_the_gateway(product):
    relations_app = product.gateway.backends["relations"].app
    direct = Client(relations_app)
    assert direct.get("/api/relations/relations").status_code == 401
    forged = PrincipalSigner("not-the-gateway-secret-" + "y" * 20).sign(
        Principal(kind="staff", id="mallory", roles=("superuser",)))
    response = direct.get("/api/relations/relations", headers={PRINCIPAL_HEADER: forged})
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"


def test_the_gateway_replaces_a_client_sent_principal_header(product, api):
    own_id = api.get("/api/accounts/me").get_json()["id"]
    seen = []
    app = product.gateway.backends["relations"].app

    @app.before_request
    def _capture():
        from flask import g
        seen.append(g.principal)

    forged = PrincipalSigner(product.settings.principal_secret).sign(
        Principal(kind="staff", id="mallory", roles=("superuser",)))
    api.get("/api/relations/relations", headers={PRINCIPAL_HEADER: forged})
    assert [(principal.kind, principal.id) for principal in seen] == [("staff", own_id)]


def test_a_body_that_is_not_json_is_a_400_problem_not_a_500(api):
    response = api.post("/api/relations/relations", data="not json",
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert response.get_json()["errors"] == {"json": ["Invalid JSON body."]}
    listed = api.post("/api/relations/relations", json=[1, 2])
    assert listed.status_code == 422 and "_schema" in listed.get_json()["errors"]
