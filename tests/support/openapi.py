"""GitHub's official OpenAPI description (`@octokit/openapi`, pinned in `tools/openapi/`) as a
validator of requests and responses, and a maker of minimal documented response objects.

The description is OpenAPI 3.0: `nullable: true` becomes `anyOf [schema, null]`, and every local
`$ref` is rewritten to one registry URI, so any schema inside the document validates on its own.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.support.tools import missing_harness

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "tools/openapi/node_modules/@octokit/openapi/generated/api.github.com.json"
BASE = "urn:github-openapi"


class OpenApiMismatch(AssertionError):
    """A request or response that GitHub's description does not allow."""


@dataclass(frozen=True)
class Operation:
    """One documented method on one path template."""

    method: str
    template: str
    pattern: re.Pattern[str]
    spec: dict[str, Any]


def _convert(node: Any) -> Any:
    """OpenAPI 3.0 schema objects to JSON Schema (draft 4 keywords): nullable, and refs."""
    if isinstance(node, list):
        return [_convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _convert(value) for key, value in node.items()}
    ref = converted.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        converted["$ref"] = BASE + ref
    if converted.pop("nullable", False) is True:
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


class GitHubOpenApi:
    """The description, its operations, and schema validation against it."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.registry: Registry[Any] = Registry().with_resource(
            BASE, Resource.from_contents(document, default_specification=DRAFT4)
        )
        self.operations: list[Operation] = []
        for template, item in document["paths"].items():
            regex = "^" + re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(template)) + "$"
            for method, spec in item.items():
                if method in {"get", "post", "put", "patch", "delete"}:
                    self.operations.append(
                        Operation(method.upper(), template, re.compile(regex), spec)
                    )

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        """Follow `$ref`s to the object they name."""
        while "$ref" in node:
            pointer = node["$ref"].removeprefix(BASE + "#/").split("/")
            target: Any = self.document
            for part in pointer:
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    def validate(self, instance: Any, schema: dict[str, Any], where: str) -> None:
        """Raise `OpenApiMismatch` naming `where` and the first error, if `instance` fails."""
        validator = jsonschema.Draft4Validator(schema, registry=self.registry)
        error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            path = "/".join(str(p) for p in error.absolute_path)
            raise OpenApiMismatch(f"{where}: {error.message} at /{path}")

    def operation(self, method: str, path: str) -> tuple[Operation, list[str]]:
        """The documented operation for `method` on the concrete `path`, and its path values."""
        candidates = []
        for operation in self.operations:
            found = operation.pattern.match(path)
            if found and operation.method == method:
                candidates.append((operation, list(found.groups())))
        if not candidates:
            raise OpenApiMismatch(f"{method} {path} is no operation of GitHub's REST API")
        # A literal segment beats a template one (`/issues/comments` over `/issues/{n}`).
        return min(candidates, key=lambda c: c[0].template.count("{"))

    def _parameters(self, operation: Operation) -> list[dict[str, Any]]:
        return [self.resolve(p) for p in operation.spec.get("parameters", [])]

    def check_request(
        self, method: str, path: str, query: dict[str, list[str]], body: bytes
    ) -> Operation:
        """Validate a request's path values, query and JSON body against its operation."""
        operation, values = self.operation(method, path)
        where = f"{method} {operation.template}"
        parameters = self._parameters(operation)
        names = re.findall(r"\{([^}]+)\}", operation.template)
        for name, value in zip(names, values, strict=True):
            spec = next(p for p in parameters if p["in"] == "path" and p["name"] == name)
            self.validate(_coerce(value, spec["schema"]), spec["schema"], f"{where} path {name}")
        documented = {p["name"]: p for p in parameters if p["in"] == "query"}
        for name, given in query.items():
            if name not in documented:
                raise OpenApiMismatch(f"{where}: query parameter {name!r} is not documented")
            if len(given) != 1:
                raise OpenApiMismatch(f"{where}: query parameter {name!r} given {len(given)} times")
            schema = documented[name]["schema"]
            self.validate(_coerce(given[0], schema), schema, f"{where} query {name}")
        for name, spec in documented.items():
            if spec.get("required") and name not in query:
                raise OpenApiMismatch(f"{where}: required query parameter {name!r} is missing")
        request_body = operation.spec.get("requestBody")
        if request_body is None:
            if body:
                raise OpenApiMismatch(f"{where} takes no body")
            return operation
        request_body = self.resolve(request_body)
        if not body:
            if request_body.get("required"):
                raise OpenApiMismatch(f"{where}: the body is required")
            return operation
        schema = request_body["content"]["application/json"]["schema"]
        self.validate(json.loads(body), schema, f"{where} body")
        return operation

    def check_response(self, operation: Operation, status: int, payload: Any) -> None:
        """Validate a response's status and JSON payload (None: no body) against the docs."""
        where = f"{operation.method} {operation.template} -> {status}"
        responses = operation.spec["responses"]
        documented = responses.get(str(status))
        if documented is None:
            raise OpenApiMismatch(f"{where}: status {status} is not documented")
        documented = self.resolve(documented)
        content = documented.get("content", {}).get("application/json")
        if content is None or "schema" not in content:
            if payload is not None:
                raise OpenApiMismatch(f"{where}: documented without a JSON body")
            return
        self.validate(payload, content["schema"], where)

    def response_schema(self, method: str, template: str, status: int) -> dict[str, Any]:
        """The documented JSON schema of one response."""
        spec = self.document["paths"][template][method.lower()]
        response = self.resolve(spec["responses"][str(status)])
        schema: dict[str, Any] = response["content"]["application/json"]["schema"]
        return schema

    def example(self, schema: dict[str, Any], depth: int = 0) -> Any:
        """A minimal instance of `schema`: its required properties, with plain values."""
        schema = self.resolve(schema)
        for choice in ("anyOf", "oneOf"):
            if choice in schema:
                options = [self.resolve(option) for option in schema[choice]]
                if depth > 8 and any(o.get("type") == "null" for o in options):
                    return None
                return self.example(options[0], depth + 1)
        if "allOf" in schema:
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                merged.update(self.example(part, depth + 1))
            return merged
        if "enum" in schema:
            return schema["enum"][0]
        kind = schema.get("type", "object" if "properties" in schema else None)
        if kind == "object":
            properties = schema.get("properties", {})
            return {
                name: self.example(properties.get(name, {}), depth + 1)
                for name in schema.get("required", [])
            }
        if kind == "array":
            return []
        if kind == "string":
            return _STRING_FORMATS.get(schema.get("format", ""), "x")
        if kind == "integer":
            return int(schema.get("minimum", 1))
        if kind == "number":
            return 1.0
        if kind == "boolean":
            return False
        return None


_STRING_FORMATS = {
    "date-time": "2026-01-01T00:00:00Z",
    "uri": "https://github.invalid/x",
    "email": "x@github.invalid",
    "uri-template": "https://github.invalid/x{/y}",
}


def _coerce(text: str, schema: dict[str, Any]) -> Any:
    """A query or path value as the type its schema names (they travel as text)."""
    kind = schema.get("type")
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            return text
    if kind == "boolean":
        return {"true": True, "false": False}.get(text, text)
    return text


@functools.cache
def _load() -> GitHubOpenApi:
    return GitHubOpenApi(_convert(json.loads(SPEC.read_text())))


def github_openapi() -> GitHubOpenApi:
    """The pinned description (installed by scripts/test.sh; a bare pytest may skip)."""
    if not SPEC.exists():
        missing_harness(f"{SPEC} is missing: run scripts/test.sh (npm ci in tools/openapi)")
    return _load()
