#!/usr/bin/env python3
"""Regenerate fixtures/schema/subset.json (and DEVIATIONS.md) from the Lightspeed OpenAPI spec.

Usage: python3 scripts/gen_schema_subset.py [SPEC_PATH] [OUT_DIR]

Defaults (relative to the repository root, i.e. the parent of this script's directory):
  SPEC_PATH = ../shared/lightspeed/openapi-2026-07.json
  OUT_DIR   = fixtures/schema

Python 3 standard library only. The output is deterministic (sorted keys, 1-space indent, trailing
newline), so `tests/schema_subset.rs` can compare a fresh run with the committed file byte for byte.

What it does:
  * takes the endpoints in ENDPOINTS, collects every component schema they reach (transitively);
  * converts OpenAPI 3.0 schema objects to draft-07 JSON Schema: `nullable` becomes a null-allowing
    type (or an `anyOf` with `{"type": "null"}` for `$ref` / composition cases), `$ref`s are renamed
    to `#/definitions/<Name>`, annotations (description, example, x-*, ...) are dropped, a `$ref`
    with sibling keywords is moved into `allOf` (draft 7 ignores siblings of `$ref`), format names
    are lower-cased (the spec writes both `uuid` and `UUID`);
  * adds the docs-derived `ErrorBody` and maps it to every error status the spec leaves untyped;
  * applies EXEMPTIONS (docs beat spec, one field at a time) and records them in the output;
  * optionally (if the `jsonschema` Python package is importable) validates every inline example the
    spec gives for the included operations, plus a few docs examples, and prints a summary.
    Examples listed in KNOWN_BAD_EXAMPLES are expected to fail and are reported as such.
"""

import copy
import hashlib
import json
import os
import re
import sys

SPEC_VERSION = "2026-07"

ENDPOINTS = [
    "GET /retailer",
    "GET /outlets",
    "GET /outlets/{outlet_id}",
    "GET /registers",
    "GET /registers/{register_id}",
    "GET /users",
    "GET /user",
    "GET /taxes",
    "GET /payment_types",
    "GET /brands",
    "GET /product_categories",
    "GET /products",
    "GET /products/{product_id}",
    "POST /inventory",
    "GET /inventory/{product_id}",
    "GET /customers",
    "POST /customers",
    "GET /customers/{customer_id}",
    "GET /customers/{customer_id}/addresses",
    "POST /customers/{customer_id}/addresses",
    "GET /customers/{customer_id}/addresses/{address_id}",
    "PUT /customers/{customer_id}/addresses/{address_id}",
    "DELETE /customers/{customer_id}/addresses/{address_id}",
    "GET /search",
    "POST /sales",
    "PUT /sales/{sale_id}",
    "GET /sales/{sale_id}",
    "GET /sales",
]

# Error statuses that get the docs-derived ErrorBody when the spec declares no (useful) schema.
# "5XX" is an OpenAPI status range key; SchemaBook maps 500..=599 onto it.
ERROR_STATUSES = ["400", "401", "403", "404", "409", "422", "429", "5XX"]

REF_PREFIX = "#/components/schemas/"
DEF_PREFIX = "#/definitions/"

# Keywords kept as they are (after recursive conversion where they hold schemas).
VALIDATION_KEYWORDS = {
    "type", "format", "properties", "items", "required", "enum", "allOf", "anyOf", "oneOf", "not",
    "additionalProperties", "maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum",
    "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxProperties",
    "minProperties", "multipleOf", "$ref",
}
# Annotations dropped from the subset (they do not constrain instances). Anything else that is not
# a validation keyword, `nullable` or an `x-` extension makes the script fail loudly.
DROPPED_KEYWORDS = {
    "description", "title", "example", "examples", "default", "deprecated", "readOnly",
    "writeOnly", "xml", "externalDocs", "discriminator",
}

ERROR_BODY = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "anyOf": [
                {"type": "string"},
                {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {"type": "integer"},
                        "message": {"type": "string"},
                    },
                },
            ]
        },
        "message": {"type": "string"},
    },
}

# Docs send money as JSON strings ("22", "-3.5"); the schema says number(double).
NUMBER_OR_NUMERIC_STRING = {
    "type": ["number", "string"],
    "pattern": "^-?[0-9]+(\\.[0-9]+)?$",
}

# Exemptions: the vendor docs, or the spec's own examples, contradict the spec schema. We follow
# the docs/examples and change exactly one field of one definition per entry:
#   action "widen":        the property's schema is replaced by `schema`;
#   action "add":          a property the schema lacks is added with `schema` (still optional);
#   action "not_required": the field is dropped from the definition's `required` list (its type is
#                          still checked when present).
# `spec` / `docs` are the two sides, rendered into DEVIATIONS.md.
def _money_string(field, literal, where):
    return {
        "definition": where,
        "field": field,
        "action": "widen",
        "schema": NUMBER_OR_NUMERIC_STRING,
        "spec": "`%s` number(double)" % field,
        "docs": "sales_101 create example sends `\"%s\":\"%s\"` (numeric string)" % (field, literal),
        "why": "docs send money as numeric strings; accept number or numeric string",
    }


def _example_lacks(definition, field, examples):
    return {
        "definition": definition,
        "field": field,
        "action": "not_required",
        "spec": "`%s` required" % field,
        "docs": "absent from the spec examples of %s" % examples,
        "why": "spec examples omit it; still type-checked when present",
    }


EXEMPTIONS = [
    _money_string("price", "22", "LineItemPricing"),
    _money_string("cost", "20", "LineItemPricing"),
    _money_string("discount", "0", "LineItemPricing"),
    _money_string("loyalty_amount", "0", "LineItemPricing"),
    _money_string("amount", "3.3", "LineItemTax"),
    _money_string("amount", "25.3", "SalePayment"),
    {
        "definition": "Product",
        "field": "is_active",
        "action": "add",
        "schema": {"type": "boolean"},
        "spec": "no such property",
        "docs": "GetProductByID / ListProducts examples carry `is_active` next to `active`",
        "why": "present in spec examples; typed as boolean, optional",
    },
    _example_lacks("Product", "skuImages", "ListProducts and GetProductByID"),
    _example_lacks("Product", "packaging", "ListProducts and GetProductByID"),
    _example_lacks("Product", "customizations", "ListProducts and GetProductByID"),
    _example_lacks("Product", "product_codes", "ListProducts"),
    _example_lacks("Product", "product_suppliers", "ListProducts"),
    _example_lacks("ProductCode", "id", "GetProductByID (`{\"code\":\"123456\",\"type\":\"custom\"}`)"),
    {
        "definition": "ProductCode",
        "field": "type",
        "action": "widen",
        "schema": {
            "type": "string",
            "enum": [
                "CUSTOM", "EAN", "ISBN", "ITF", "JAN", "UPC",
                "custom", "ean", "isbn", "itf", "jan", "upc",
            ],
        },
        "spec": "enum CUSTOM/EAN/ISBN/ITF/JAN/UPC",
        "docs": "GetProductByID example returns `\"type\":\"custom\"` (lower case)",
        "why": "accept either case of the documented code types",
    },
    _example_lacks("PaymentType", "disabled", "ListPaymentTypes"),
    _example_lacks("PaymentType", "internal", "ListPaymentTypes"),
    {
        "definition": "Role",
        "field": "id",
        "action": "widen",
        "schema": {"type": ["string", "integer"]},
        "spec": "string",
        "docs": "ListUsers / GetUser examples: `\"id\": 100`",
        "why": "spec examples send an integer; accept string or integer",
    },
    {
        "definition": "Role",
        "field": "system_role_id",
        "action": "widen",
        "schema": {"type": ["string", "integer"]},
        "spec": "string",
        "docs": "ListUsers / GetUser examples: `\"system_role_id\": 100`",
        "why": "spec examples send an integer; accept string or integer",
    },
]

# Spec examples that are known not to match the (exempted) schema, with the reason we keep the
# schema anyway. Keyed by "<METHOD> <template> <status>".
KNOWN_BAD_EXAMPLES = {
    "GET /user 200": (
        "schema `UserResponse{data:User}`; example `{\"data\":[User]}`",
        "\"Returns the current user\" (one user; `/users` is the list)",
        "keep the schema: `data` is a single User",
    ),
    "GET /brands 200": (
        "schema `BrandCollection` requires `version`; example has only `data`",
        "pagination docs: `version` \"can be found on all collection resources\"",
        "keep the schema: `version` required",
    ),
}

# Docs examples (not in the spec) checked by the sanity step: (label, definition, instance).
DOCS_EXAMPLES = [
    (
        "docs sales_101 create payload",
        "SaleRequest",
        {
            "source": {
                "register_id": "b1e198a9-f019-11e3-a0f5-b8ca3a64f8f4",
                "author_id": "020b2c2a-4661-11f0-e88b-1afde45e0728",
            },
            "date": "2016-05-05T23:35:34Z",
            "customer_id": "06e35f89-3783-11e6-ec7e-13193f7bd2ed",
            "state": "closed",
            "attributes": [],
            "note": "",
            "short_code": "mlzs94",
            "invoice_number": "MR-1484-NZ",
            "line_items": [
                {
                    "product": {"id": "5d4fcfa8-0ac1-4a6a-adc2-da1d66f4b8f7"},
                    "quantity": 1,
                    "pricing": {"price": "22", "cost": "20", "discount": "0", "loyalty_amount": "0"},
                    "tax": {"id": "b1d192bc-f019-11e3-a0f5-b8ca3a64f8f4", "amount": "3.3"},
                    "status": "CONFIRMED",
                }
            ],
            "payments": [
                {
                    "type": {"config_id": "dd4d174f-669d-4483-972a-1484242e1227"},
                    "date": "2016-05-05T23:35:34Z",
                    "amount": "25.3",
                }
            ],
        },
    ),
    (
        "docs rate_limiting 429 body",
        "ErrorBody",
        {"error": "Too Many Requests", "message": "Rate limiting enforced"},
    ),
    ("spec 401 body (service endpoints)", "ErrorBody", {"error": "Access token is not valid"}),
    (
        "spec PaymentErrorResponse shape",
        "ErrorBody",
        {"error": {"code": 400, "message": "insufficient balance"}},
    ),
]

# Non-exemption decisions, rendered into DEVIATIONS.md next to the exemptions.
# (where, spec says, docs say, what we do)
OTHER_DEVIATIONS = [
    (
        "error bodies, 400/401/403/404/409/422/5xx of every included endpoint",
        "not declared for the included operations (elsewhere mostly untyped `{}`)",
        "`{\"error\": <string or {code,message}>, \"message\"?: string}`",
        "docs-derived definition `ErrorBody`, mapped to each of those statuses",
    ),
    (
        "429 of every included endpoint",
        "not declared at all",
        "`{\"error\":\"Too Many Requests\",\"message\":\"Rate limiting enforced\"}` + `Retry-After`",
        "mapped to `ErrorBody`",
    ),
    (
        "POST /sales, PUT /sales/{sale_id} 200",
        "operation text: \"Returns the ID\"; schema `SaleCreateResponse{data:Sale}`",
        "v2026.04 sales_101: \"returns the created sale\" (v2026.01 said the id)",
        "no exemption: the latest docs agree with the schema, validate `{data:Sale}`; the *client* should still tolerate `{data:\"<id>\"}`",
    ),
    (
        "format `UUID` (Product, ProductSupplier, ProductPackage)",
        "`format: \"UUID\"` (upper case) next to `uuid` elsewhere",
        "ids are UUIDs",
        "format names lower-cased, so they are checked as `uuid`",
    ),
    (
        "format checking",
        "`uuid`, `date-time`, `email`, `int32`, `int64`, `double`",
        "-",
        "SchemaBook checks `date-time` (RFC 3339) and `email` with jsonschema's draft-7 checks and `uuid` syntactically only (8-4-4-4-12 hex, any version/variant: spec ids such as `0242ac12-0002-11e9-e8c4-…` are not RFC 4122 variant); `int32`/`int64`/`double` are annotations (unknown formats are ignored)",
    ),
    (
        "annotations",
        "description, title, example(s), default, deprecated, readOnly/writeOnly, xml, externalDocs, discriminator, x-*",
        "-",
        "dropped; `additionalProperties` kept only where the spec sets it",
    ),
]


def fail(msg):
    sys.stderr.write("gen_schema_subset: error: " + msg + "\n")
    sys.exit(1)


def is_annotation(key):
    return key in DROPPED_KEYWORDS or key.startswith("x-")


def rename_ref(ref):
    if not ref.startswith(REF_PREFIX):
        fail("unsupported $ref %r (only #/components/schemas/* is handled)" % ref)
    return DEF_PREFIX + ref[len(REF_PREFIX):]


def null_allowing(node):
    """Return `node` (already converted, without `nullable`) widened to also accept null."""
    if "$ref" in node or any(k in node for k in ("allOf", "anyOf", "oneOf", "not")):
        return {"anyOf": [node, {"type": "null"}]}
    if "type" not in node:
        # No type constraint at all: null is already accepted (unless enum excludes it).
        if "enum" in node and None not in node["enum"]:
            node["enum"] = list(node["enum"]) + [None]
        return node
    t = node["type"]
    types = list(t) if isinstance(t, list) else [t]
    if "null" not in types:
        types.append("null")
    node["type"] = types
    if "enum" in node and None not in node["enum"]:
        node["enum"] = list(node["enum"]) + [None]
    return node


def convert(schema, where):
    """OpenAPI 3.0 schema object -> draft-07 JSON Schema (new object)."""
    if isinstance(schema, bool):
        return schema
    if not isinstance(schema, dict):
        fail("%s: schema is not an object: %r" % (where, schema))
    out = {}
    nullable = False
    for key, value in schema.items():
        if key == "nullable":
            nullable = bool(value)
        elif is_annotation(key):
            continue
        elif key not in VALIDATION_KEYWORDS:
            fail("%s: unexpected keyword %r" % (where, key))
        elif key == "$ref":
            out["$ref"] = rename_ref(value)
        elif key == "properties":
            out["properties"] = {
                name: convert(sub, "%s.%s" % (where, name)) for name, sub in value.items()
            }
        elif key in ("items", "not"):
            out[key] = convert(value, "%s[%s]" % (where, key))
        elif key == "additionalProperties":
            out[key] = value if isinstance(value, bool) else convert(value, where + "[additionalProperties]")
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [convert(sub, "%s.%s[%d]" % (where, key, i)) for i, sub in enumerate(value)]
        elif key == "format":
            out["format"] = value.lower()
        elif key in ("exclusiveMaximum", "exclusiveMinimum") and isinstance(value, bool):
            # OpenAPI 3.0 boolean form -> draft-06+ numeric form.
            bound = "maximum" if key == "exclusiveMaximum" else "minimum"
            if value:
                if bound not in schema:
                    fail("%s: %s without %s" % (where, key, bound))
                out[key] = schema[bound]
        else:
            out[key] = copy.deepcopy(value)
    for key in ("exclusiveMaximum", "exclusiveMinimum"):
        bound = "maximum" if key == "exclusiveMaximum" else "minimum"
        if isinstance(schema.get(key), bool) and schema[key] and bound in out:
            del out[bound]
    if "$ref" in out and len(out) > 1:
        # Draft 7 ignores keywords next to $ref: keep them by moving the $ref into allOf.
        ref = out.pop("$ref")
        out["allOf"] = [{"$ref": ref}] + out.get("allOf", [])
    if nullable:
        out = null_allowing(out)
    return out


def collect_refs(node, acc):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                acc.add(value)
            elif key in ("example", "examples", "x-examples"):
                continue
            else:
                collect_refs(value, acc)
    elif isinstance(node, list):
        for value in node:
            collect_refs(value, acc)


def json_schema_of(content):
    """The schema of the application/json media type, or None."""
    media = (content or {}).get("application/json")
    if not media or "schema" not in media:
        return None
    return media["schema"]


def is_untyped(schema):
    """`{}` / `{"type": "object"}` carry no information: treated like "no schema"."""
    if schema is None:
        return True
    stripped = {k: v for k, v in schema.items() if not is_annotation(k)}
    return stripped in ({}, {"type": "object"})


def inline_examples(content):
    """All examples given on any media type of a response/request (the spec sometimes files them
    under a bogus media type named "new")."""
    found = []
    for media_type, media in sorted((content or {}).items()):
        if not isinstance(media, dict):
            continue
        if "example" in media:
            found.append((media_type, media["example"]))
        for name, ex in sorted((media.get("examples") or {}).items()):
            if isinstance(ex, dict) and "value" in ex:
                found.append(("%s#%s" % (media_type, name), ex["value"]))
    return found


def apply_exemptions(definitions):
    for ex in EXEMPTIONS:
        name, field, action = ex["definition"], ex["field"], ex["action"]
        d = definitions.get(name)
        if d is None or "properties" not in d:
            fail("exemption target %s is not an object definition with properties" % name)
        props = d["properties"]
        if action == "widen":
            if field not in props:
                fail("exemption: %s.%s does not exist (widen)" % (name, field))
            props[field] = copy.deepcopy(ex["schema"])
        elif action == "add":
            if field in props:
                fail("exemption: %s.%s already exists (add)" % (name, field))
            props[field] = copy.deepcopy(ex["schema"])
        elif action == "not_required":
            if field not in d.get("required", []):
                fail("exemption: %s.%s is not required (not_required)" % (name, field))
            d["required"] = [r for r in d["required"] if r != field]
        else:
            fail("exemption: unknown action %r" % action)


def build(spec):
    components = spec["components"]["schemas"]
    paths = spec["paths"]
    responses = {}
    requests = {}
    examples = []  # (label, key, status-or-None, example, schema)
    roots = set()

    for endpoint in ENDPOINTS:
        method, template = endpoint.split(" ", 1)
        op = paths.get(template, {}).get(method.lower())
        if op is None:
            fail("endpoint %s is not in the spec" % endpoint)
        by_status = {}
        for status, resp in sorted(op.get("responses", {}).items()):
            if "$ref" in resp:
                fail("%s %s: response $ref not supported" % (endpoint, status))
            content = resp.get("content")
            schema = json_schema_of(content)
            if schema is not None and not is_untyped(schema):
                collect_refs(schema, roots)
                by_status[status] = schema
                for label, ex in inline_examples(content):
                    examples.append(("%s %s (%s)" % (endpoint, status, label), endpoint, status, ex))
            elif status in ERROR_STATUSES or status.startswith("5"):
                by_status[status] = None  # ErrorBody below
            elif status not in ("204",):
                # A success status without a JSON schema: nothing to validate against. Leave it
                # out so SchemaBook reports it if the simulator ever sends it.
                sys.stderr.write("note: %s %s has no JSON schema; not mapped\n" % (endpoint, status))
        for status in ERROR_STATUSES:
            by_status.setdefault(status, None)
        responses[endpoint] = by_status

        body = op.get("requestBody")
        if body is not None:
            if "$ref" in body:
                fail("%s: requestBody $ref not supported" % endpoint)
            schema = json_schema_of(body.get("content"))
            if schema is None:
                fail("%s: request body without application/json schema" % endpoint)
            collect_refs(schema, roots)
            requests[endpoint] = schema
            for label, ex in inline_examples(body.get("content")):
                examples.append(("%s request (%s)" % (endpoint, label), endpoint, None, ex))

    # Transitive closure over component schemas.
    names = set()
    todo = sorted(roots)
    while todo:
        ref = todo.pop()
        if not ref.startswith(REF_PREFIX):
            fail("unsupported $ref %r" % ref)
        name = ref[len(REF_PREFIX):]
        if name in names:
            continue
        if name not in components:
            fail("dangling $ref %r" % ref)
        names.add(name)
        found = set()
        collect_refs(components[name], found)
        todo.extend(sorted(found))

    definitions = {name: convert(components[name], name) for name in sorted(names)}
    if "ErrorBody" in definitions:
        fail("the spec now has its own ErrorBody; rename the docs-derived one")
    definitions["ErrorBody"] = copy.deepcopy(ERROR_BODY)
    apply_exemptions(definitions)

    out_responses = {}
    for endpoint, by_status in responses.items():
        out_responses[endpoint] = {
            status: (
                {"$ref": DEF_PREFIX + "ErrorBody"}
                if schema is None
                else convert(schema, "%s %s" % (endpoint, status))
            )
            for status, schema in by_status.items()
        }
    out_requests = {
        endpoint: convert(schema, endpoint + " request") for endpoint, schema in requests.items()
    }

    subset = {
        "spec_version": SPEC_VERSION,
        "definitions": definitions,
        "responses": out_responses,
        "requests": out_requests,
        "exemptions": [
            dict(
                {"definition": e["definition"], "field": e["field"], "action": e["action"], "why": e["why"]},
                **({"schema": e["schema"]} if "schema" in e else {})
            )
            for e in EXEMPTIONS
        ],
    }
    return subset, examples


def render_deviations(subset):
    lines = [
        "# Deviations of `subset.json` from the OpenAPI spec",
        "",
        "Generated by `scripts/gen_schema_subset.py` from `openapi-2026-07.json` (sha256 `%s`);"
        " do not edit by hand." % subset["spec_sha256"],
        "Rule: where the vendor docs (or the spec's own examples) contradict the spec schema we follow"
        " the docs and change exactly one field per exemption. Exemptions are also listed machine-readably under"
        " `exemptions` in `subset.json`.",
        "",
        "## Field exemptions",
        "",
        "| where | spec says | docs say | what we do |",
        "|---|---|---|---|",
    ]
    for e in EXEMPTIONS:
        if e["action"] == "not_required":
            action = "dropped from `required` (type still checked)"
        elif e["action"] == "add":
            action = "added as optional `%s`" % json.dumps(e["schema"], sort_keys=True)
        else:
            action = "field schema widened to `%s`" % json.dumps(e["schema"], sort_keys=True)
        lines.append(
            "| `%s.%s` | %s | %s | %s |" % (e["definition"], e["field"], e["spec"], e["docs"], action)
        )
    lines += [
        "",
        "## Spec examples that do not match their schema (schema kept)",
        "",
        "| where | spec says | docs say | what we do |",
        "|---|---|---|---|",
    ]
    for key, (spec_says, docs_say, action) in sorted(KNOWN_BAD_EXAMPLES.items()):
        lines.append("| %s | %s | %s | %s |" % (key, spec_says, docs_say, action))
    lines += [
        "",
        "## Other decisions",
        "",
        "| where | spec says | docs say | what we do |",
        "|---|---|---|---|",
    ]
    for row in OTHER_DEVIATIONS:
        lines.append("| %s | %s | %s | %s |" % row)
    lines.append("")
    return "\n".join(lines)


UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def sanity_check(subset, examples):
    """Validate spec/docs examples with the `jsonschema` package if present. Returns #unexpected."""
    try:
        import jsonschema  # noqa: F401  (optional, never a repo dependency)
    except ImportError:
        print("sanity: python package 'jsonschema' not importable; example check skipped")
        return 0

    checker = jsonschema.FormatChecker(formats=())
    checker.checks("uuid")(lambda s: not isinstance(s, str) or bool(UUID_RE.match(s)))
    checker.checks("email")(lambda s: not isinstance(s, str) or "@" in s)
    checker.checks("date-time")(
        lambda s: not isinstance(s, str)
        or bool(re.match(r"^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$", s))
    )

    def errors_for(schema, instance):
        root = dict(schema)
        root["definitions"] = subset["definitions"]
        v = jsonschema.Draft7Validator(root, format_checker=checker)
        return sorted(v.iter_errors(instance), key=lambda e: list(e.absolute_path))

    ok = expected_bad = unexpected = 0
    stale = set(KNOWN_BAD_EXAMPLES)
    for label, endpoint, status, example in examples:
        schema = (
            subset["responses"][endpoint][status] if status is not None else subset["requests"][endpoint]
        )
        errs = errors_for(schema, example)
        key = "%s %s" % (endpoint, status if status is not None else "request")
        if not errs:
            ok += 1
            if key in KNOWN_BAD_EXAMPLES:
                print("sanity: NOTE %s now validates; drop it from KNOWN_BAD_EXAMPLES" % key)
            continue
        if key in KNOWN_BAD_EXAMPLES:
            expected_bad += 1
            stale.discard(key)
            continue
        unexpected += 1
        print("sanity: FAIL %s" % label)
        for e in errs[:8]:
            print("    at /%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message[:200]))
    for label, definition, instance in DOCS_EXAMPLES:
        errs = errors_for({"$ref": DEF_PREFIX + definition}, instance)
        if errs:
            unexpected += 1
            print("sanity: FAIL %s" % label)
            for e in errs[:8]:
                print("    at /%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message[:200]))
        else:
            ok += 1
    print(
        "sanity: %d examples validate, %d known-bad (see DEVIATIONS.md), %d unexpected failures"
        % (ok, expected_bad, unexpected)
    )
    return unexpected


def main(argv):
    repo_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    spec_path = argv[1] if len(argv) > 1 else os.path.join(
        repo_root, "..", "shared", "lightspeed", "openapi-2026-07.json"
    )
    out_dir = argv[2] if len(argv) > 2 else os.path.join(repo_root, "fixtures", "schema")
    if len(argv) > 3 or (len(argv) > 1 and argv[1] in ("-h", "--help")):
        print(__doc__)
        return 2

    with open(spec_path, "rb") as f:
        raw = f.read()
    spec = json.loads(raw.decode("utf-8"))
    if spec.get("info", {}).get("version") != SPEC_VERSION:
        fail("spec info.version is %r, expected %r" % (spec.get("info", {}).get("version"), SPEC_VERSION))

    subset, examples = build(spec)
    subset["spec_sha256"] = hashlib.sha256(raw).hexdigest()

    os.makedirs(out_dir, exist_ok=True)
    text = json.dumps(subset, sort_keys=True, indent=1, ensure_ascii=True) + "\n"
    with open(os.path.join(out_dir, "subset.json"), "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    with open(os.path.join(out_dir, "DEVIATIONS.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write(render_deviations(subset))
    print(
        "wrote %s: %d definitions, %d response templates, %d request bodies, %d exemptions"
        % (
            os.path.join(out_dir, "subset.json"),
            len(subset["definitions"]),
            len(subset["responses"]),
            len(subset["requests"]),
            len(subset["exemptions"]),
        )
    )
    unexpected = sanity_check(subset, examples)
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
