package dev.modelops.api.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Validates a custom resource against the openAPIV3Schema of its committed CRD the way the
 * API server does, as far as is reasonable without one: unknown fields are reported (kubectl's
 * strict field validation), schema defaults are applied, the schema keywords are checked
 * (networknt, OpenAPI 3.0 / draft 4 semantics), then x-kubernetes-validations CEL rules are
 * evaluated (cel-java). Transition rules (those using oldSelf) need an old object and are skipped.
 * Errors read like the API server's: {@code spec.search.parallelTrials: <message>}.
 */
public final class CrdSchemaValidator {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final Map<String, JsonNode> schemasByKind = new LinkedHashMap<>();
  private final Map<String, JsonSchema> compiledByKind = new LinkedHashMap<>();
  private final CelCompiler cel =
      CelCompilerFactory.standardCelCompilerBuilder()
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("self", SimpleType.DYN)
          .build();
  private final CelRuntime celRuntime = CelRuntimeFactory.standardCelRuntimeBuilder().build();

  /** Loads every CRD in a folder (e.g. crds/). */
  public static CrdSchemaValidator fromFolder(Path crds) throws IOException {
    CrdSchemaValidator v = new CrdSchemaValidator();
    try (Stream<Path> files = Files.list(crds)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        JsonNode crd = YAML.readTree(f.toFile());
        String kind = crd.path("spec").path("names").path("kind").asText();
        JsonNode schema = crd.path("spec").path("versions").get(0).path("schema").path("openAPIV3Schema");
        v.schemasByKind.put(kind, schema);
        SchemaValidatorsConfig config =
            SchemaValidatorsConfig.builder().pathType(PathType.JSON_PATH).build();
        v.compiledByKind.put(
            kind,
            JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(schema, config));
      }
    }
    return v;
  }

  /** Parses a YAML or JSON resource. */
  public static JsonNode read(Path file) throws IOException {
    return YAML.readTree(file.toFile());
  }

  /** Returns the errors the API server would report for this resource; empty when it is valid. */
  public List<String> validate(JsonNode resource) {
    List<String> errors = new ArrayList<>();
    String kind = resource.path("kind").asText();
    JsonNode schema = schemasByKind.get(kind);
    if (schema == null) {
      errors.add("kind: no CRD for kind '" + kind + "'; known: " + schemasByKind.keySet());
      return errors;
    }
    ObjectNode copy = resource.deepCopy();
    copy.remove(List.of("apiVersion", "kind", "metadata"));
    unknownFields(copy, schema, "", errors);
    applyDefaults(copy, schema);
    for (ValidationMessage m : compiledByKind.get(kind).validate(copy)) {
      errors.add(describe(m, schema));
    }
    if (errors.isEmpty()) {
      celRules(copy, schema, "", errors);
    }
    return errors;
  }

  /** Words a schema error the way the API server does, so users see the same text everywhere. */
  private static String describe(ValidationMessage m, JsonNode root) {
    String at = path(m.getInstanceLocation().toString());
    JsonNode value = m.getInstanceNode();
    // The keyword's own schema object (e.g. the one holding minimum and exclusiveMinimum).
    String location = m.getSchemaLocation().getFragment().toString();
    JsonNode schema = root.at(location.substring(0, location.lastIndexOf('/')));
    String shown = value == null ? "null" : value.isTextual() ? "\"" + value.asText() + "\"" : value.toString();
    return switch (m.getType()) {
      case "required" -> child(at, m.getProperty()) + ": Required value";
      case "enum" -> {
        List<String> allowed = new ArrayList<>();
        schema.path("enum").forEach(e -> allowed.add("\"" + e.asText() + "\""));
        yield at + ": Unsupported value: " + shown + ": supported values: " + String.join(", ", allowed);
      }
      case "pattern" -> at + ": Invalid value: " + shown + ": " + at + " in body should match '"
          + schema.path("pattern").asText() + "'";
      case "minimum" -> at + ": Invalid value: " + shown + ": " + at + " in body should be greater than "
          + (schema.path("exclusiveMinimum").asBoolean(false) ? "" : "or equal to ")
          + number(schema.path("minimum"));
      case "maximum" -> at + ": Invalid value: " + shown + ": " + at + " in body should be less than "
          + (schema.path("exclusiveMaximum").asBoolean(false) ? "" : "or equal to ")
          + number(schema.path("maximum"));
      case "minItems" -> at + ": Invalid value: " + value.size() + ": " + at
          + " in body should have at least " + schema.path("minItems").asText() + " items";
      case "maxItems" -> at + ": Too many: " + value.size() + ": must have at most "
          + schema.path("maxItems").asText() + " items";
      case "minLength" -> at + ": Invalid value: " + shown + ": " + at
          + " in body should be at least " + schema.path("minLength").asText() + " chars long";
      case "maxLength" -> at + ": Too long: may not be more than " + schema.path("maxLength").asText()
          + " bytes";
      case "type" -> at + ": Invalid value: " + shown + ": " + at + " in body must be of type "
          + schema.path("type").asText();
      default -> at + ": " + m.getMessage();
    };
  }

  private static String number(JsonNode n) {
    double d = n.asDouble();
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  private static String path(String jsonPath) {
    String p = jsonPath.startsWith("$") ? jsonPath.substring(1) : jsonPath;
    return p.startsWith(".") ? p.substring(1) : p;
  }

  private static String child(String parent, String name) {
    return parent.isEmpty() ? name : parent + "." + name;
  }

  private void unknownFields(JsonNode value, JsonNode schema, String at, List<String> errors) {
    if (schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)
        && !schema.has("properties")
        && !schema.has("additionalProperties")) {
      return;
    }
    if (value.isObject()) {
      JsonNode props = schema.get("properties");
      JsonNode additional = schema.get("additionalProperties");
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String p = child(at, e.getKey());
        if (props != null && props.has(e.getKey())) {
          unknownFields(e.getValue(), props.get(e.getKey()), p, errors);
        } else if (additional != null && additional.isObject()) {
          unknownFields(e.getValue(), additional, p, errors);
        } else if (!schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
          errors.add(p + ": unknown field \"" + p + "\"");
        }
      }
    } else if (value.isArray() && schema.has("items")) {
      for (int i = 0; i < value.size(); i++) {
        unknownFields(value.get(i), schema.get("items"), at + "[" + i + "]", errors);
      }
    }
  }

  private void applyDefaults(JsonNode value, JsonNode schema) {
    if (value.isObject() && schema.has("properties")) {
      ObjectNode obj = (ObjectNode) value;
      for (Iterator<Map.Entry<String, JsonNode>> it = schema.get("properties").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!obj.has(e.getKey()) && e.getValue().has("default")) {
          obj.set(e.getKey(), e.getValue().get("default").deepCopy());
        }
        if (obj.has(e.getKey())) {
          applyDefaults(obj.get(e.getKey()), e.getValue());
        }
      }
    } else if (value.isObject() && schema.path("additionalProperties").isObject()) {
      value.forEach(v -> applyDefaults(v, schema.get("additionalProperties")));
    } else if (value.isArray() && schema.has("items")) {
      value.forEach(v -> applyDefaults(v, schema.get("items")));
    }
  }

  private void celRules(JsonNode value, JsonNode schema, String at, List<String> errors) {
    if (value == null || value.isNull()) {
      return;
    }
    for (JsonNode rule : schema.path("x-kubernetes-validations")) {
      String expression = rule.path("rule").asText();
      if (expression.contains("oldSelf")) {
        continue;
      }
      Object result = evaluate(expression, toCel(value, schema), at);
      if (!Boolean.TRUE.equals(result)) {
        String where = at + rule.path("fieldPath").asText("");
        String message = rule.has("message") ? rule.get("message").asText() : "failed rule: " + expression;
        errors.add(where + ": Invalid value: \"object\": " + message);
      }
    }
    if (value.isObject() && schema.has("properties")) {
      schema.get("properties").fields().forEachRemaining(e -> {
        if (value.has(e.getKey())) {
          celRules(value.get(e.getKey()), e.getValue(), child(at, e.getKey()), errors);
        }
      });
    } else if (value.isArray() && schema.has("items")) {
      for (int i = 0; i < value.size(); i++) {
        celRules(value.get(i), schema.get("items"), at + "[" + i + "]", errors);
      }
    }
  }

  private Object evaluate(String expression, Object self, String at) {
    try {
      CelAbstractSyntaxTree ast = cel.compile(expression).getAst();
      return celRuntime.createProgram(ast).eval(Map.of("self", self));
    } catch (Exception e) {
      throw new IllegalStateException("CEL rule at " + at + " cannot be evaluated: " + expression, e);
    }
  }

  /** Converts JSON to CEL values using the schema's types (numbers stay doubles, as in the API server). */
  private static Object toCel(JsonNode value, JsonNode schema) {
    String type = schema == null ? "" : schema.path("type").asText("");
    if (value.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      value.fields().forEachRemaining(e -> {
        JsonNode sub = schema == null ? null
            : schema.path("properties").has(e.getKey()) ? schema.get("properties").get(e.getKey())
            : schema.get("additionalProperties");
        map.put(e.getKey(), toCel(e.getValue(), sub));
      });
      return map;
    }
    if (value.isArray()) {
      List<Object> list = new ArrayList<>();
      for (JsonNode item : (ArrayNode) value) {
        list.add(toCel(item, schema == null ? null : schema.get("items")));
      }
      return list;
    }
    if (value.isNumber()) {
      return "number".equals(type) || value.isFloatingPointNumber() ? (Object) value.asDouble() : (Object) value.asLong();
    }
    if (value.isBoolean()) {
      return value.asBoolean();
    }
    return value.asText();
  }
}
