package dev.modelops.api.schema;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checks a custom resource against the openAPIV3Schema of its CRD the way `kubectl apply` and the
 * API server do, as far as is reasonable without one, and words every error as the API server
 * does ({@code spec.search.parallelTrials: Invalid value: "object": parallelTrials must not exceed
 * maxTrials}). In the API server's order:
 *
 * <ol>
 *   <li>apiVersion and kind must name a served version of a known CRD;
 *   <li>unknown fields are errors (kubectl's default strict field validation; the server would
 *       otherwise prune them silently), and then nothing else is checked, as there;
 *   <li>schema defaults are applied (nested defaults too);
 *   <li>metadata.name must be a DNS subdomain; the schema keywords are checked (types, required,
 *       enum, pattern, bounds with exclusive bounds, lengths, item counts; networknt with the
 *       OpenAPI 3.0 / draft 4 semantics the CRD schema uses);
 *   <li>the x-kubernetes-validations CEL rules are evaluated (cel-java, self typed from the
 *       schema), unless a type, required, enum, too-long or too-many error already blocks them,
 *       which is reported with the API server's note. Transition rules (oldSelf) need the old
 *       object of an update and are skipped.
 * </ol>
 *
 * {@link #crdProblems()} reports what the API server refuses when the CRD itself is created.
 */
public final class CrdSchemaValidator {
  /** The note the API server adds when CEL rules were skipped because of blocking errors. */
  public static final String RULES_NOT_CHECKED =
      "<nil>: Invalid value: \"null\": some validation rules were not checked because the object"
          + " was invalid; correct the existing errors to complete validation";

  // kubectl reads YAML 1.1 (yes/no/on/off are booleans); Jackson does the same by default.
  private static final YAMLMapper YAML =
      YAMLMapper.builder(YAMLFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
          .build();

  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

  private static final Set<String> OBJECT_META_FIELDS =
      Set.of(
          "name", "generateName", "namespace", "labels", "annotations", "uid", "resourceVersion",
          "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
          "ownerReferences", "finalizers", "managedFields", "selfLink");

  private static final JsonSchemaFactory KEYWORDS =
      JsonSchemaFactory.getInstance(
          com.networknt.schema.SpecVersion.VersionFlag.V4,
          b ->
              b.metaSchema(
                  JsonMetaSchema.builder(JsonMetaSchema.getV4())
                      .keywords(
                          Stream.of(
                                  "x-kubernetes-validations",
                                  "x-kubernetes-preserve-unknown-fields",
                                  "x-kubernetes-int-or-string",
                                  "x-kubernetes-list-type",
                                  "x-kubernetes-list-map-keys",
                                  "x-kubernetes-map-type",
                                  "x-kubernetes-embedded-resource",
                                  "nullable")
                              .map(NonValidationKeyword::new)
                              .toList())
                      .build()));

  private static final SchemaValidatorsConfig KEYWORDS_CONFIG =
      SchemaValidatorsConfig.builder().pathType(PathType.JSON_PATH).build();

  /** One served version of a CRD. */
  private record Version(String kind, JsonNode schema, JsonSchema keywords, CelRules rules) {}

  private final Map<String, Map<String, Version>> versionsByKind = new LinkedHashMap<>();

  private CrdSchemaValidator() {}

  /** Loads every CRD (*.yaml) in a folder, e.g. crds/. */
  public static CrdSchemaValidator fromFolder(Path crds) throws IOException {
    List<JsonNode> all = new ArrayList<>();
    try (Stream<Path> files = Files.list(crds)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        all.addAll(readAll(f));
      }
    }
    return of(all);
  }

  /** A validator for the given CustomResourceDefinitions. */
  public static CrdSchemaValidator of(List<JsonNode> crds) {
    CrdSchemaValidator v = new CrdSchemaValidator();
    for (JsonNode crd : crds) {
      String kind = crd.path("spec").path("names").path("kind").asText();
      String group = crd.path("spec").path("group").asText();
      for (JsonNode version : crd.path("spec").path("versions")) {
        if (!version.path("served").asBoolean(true)) {
          continue;
        }
        JsonNode schema = version.path("schema").path("openAPIV3Schema");
        v.versionsByKind
            .computeIfAbsent(kind, k -> new LinkedHashMap<>())
            .put(
                group + "/" + version.path("name").asText(),
                new Version(
                    kind,
                    schema,
                    KEYWORDS.getSchema(schema, KEYWORDS_CONFIG),
                    new CelRules(schema, kind + "." + version.path("name").asText())));
      }
    }
    return v;
  }

  /** Reads a file holding exactly one YAML or JSON document. */
  public static JsonNode read(Path file) throws IOException {
    List<JsonNode> docs = readAll(file);
    if (docs.size() != 1) {
      throw new IOException(file + " holds " + docs.size() + " documents, expected one");
    }
    return docs.get(0);
  }

  /** Reads every document of a YAML file, as kubectl does (duplicate keys are an error). */
  public static List<JsonNode> readAll(Path file) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
      while (it.hasNextValue()) {
        JsonNode doc = it.nextValue();
        if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
          docs.add(doc);
        }
      }
    }
    return docs;
  }

  /** Parses one YAML or JSON document from text (for tests that build resources inline). */
  public static JsonNode parse(String yaml) {
    try {
      return YAML.readTree(yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Returns the errors the API server would report for this resource; empty when it is valid. */
  public List<String> validate(JsonNode resource) {
    List<String> errors = new ArrayList<>();
    String kindName = resource.path("kind").asText("");
    Map<String, Version> versions = versionsByKind.get(kindName);
    if (versions == null) {
      errors.add("kind: Unsupported value: \"" + kindName + "\": supported values: " + quoted(versionsByKind.keySet()));
      return errors;
    }
    String apiVersion = resource.path("apiVersion").asText("");
    Version version = versions.get(apiVersion);
    if (version == null) {
      errors.add("apiVersion: Unsupported value: \"" + apiVersion + "\": supported values: " + quoted(versions.keySet()));
      return errors;
    }

    ObjectNode body = resource.deepCopy();
    JsonNode metadata = body.remove("metadata");
    body.remove(List.of("apiVersion", "kind"));
    unknownMetadataFields(metadata, errors);
    unknownFields(body, version.schema(), "", errors);
    if (!errors.isEmpty()) {
      return errors;
    }

    SchemaDefaults.apply(body, version.schema());
    metadataName(metadata, errors);
    boolean blocking = keywordErrors(version.keywords().validate(body), version.schema(), "", errors);
    if (blocking) {
      errors.add(RULES_NOT_CHECKED);
    } else {
      celErrors(body, version.schema(), version.rules(), "", errors);
    }
    return errors;
  }

  /**
   * What the API server refuses when the CRDs themselves are created: a CEL rule that does not
   * compile against its schema (an undeclared field, a type mismatch, a result that is not a
   * bool), a fieldPath naming no declared field, and a schema default that is invalid for its own
   * schema (keywords, unknown fields, CEL rules; the default is checked as written, without the
   * nested defaults, exactly as the API server checks it).
   */
  public List<String> crdProblems() {
    List<String> problems = new ArrayList<>();
    versionsByKind.forEach(
        (kind, versions) ->
            versions.forEach(
                (apiVersion, v) -> {
                  v.rules().problems().forEach(p -> problems.add(kind + " " + apiVersion + ": " + p));
                  defaultProblems(v, v.schema(), "", problems);
                }));
    return problems;
  }

  private void defaultProblems(Version v, JsonNode schema, String at, List<String> problems) {
    if (schema.has("default")) {
      JsonNode value = schema.get("default").deepCopy();
      String where = v.kind() + " " + (at.isEmpty() ? "<root>" : at) + ".default";
      List<String> errors = new ArrayList<>();
      unknownFields(value, schema, where, errors);
      boolean blocking = keywordErrors(KEYWORDS.getSchema(schema, KEYWORDS_CONFIG).validate(value), schema, where, errors);
      if (!blocking) {
        celErrors(value, schema, v.rules(), where, errors);
      }
      problems.addAll(errors);
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      defaultProblems(v, e.getValue(), child(at, e.getKey()), problems);
    }
    if (schema.has("items")) {
      defaultProblems(v, schema.get("items"), at + "[*]", problems);
    }
    if (schema.path("additionalProperties").isObject()) {
      defaultProblems(v, schema.get("additionalProperties"), at + "[*]", problems);
    }
  }

  private static void unknownMetadataFields(JsonNode metadata, List<String> errors) {
    if (metadata == null || !metadata.isObject()) {
      return;
    }
    metadata.fieldNames().forEachRemaining(name -> {
      if (!OBJECT_META_FIELDS.contains(name)) {
        errors.add("metadata." + name + ": unknown field \"metadata." + name + "\"");
      }
    });
  }

  private static void metadataName(JsonNode metadata, List<String> errors) {
    String name = metadata == null ? "" : metadata.path("name").asText("");
    if (name.isEmpty()) {
      if (metadata == null || metadata.path("generateName").asText("").isEmpty()) {
        errors.add("metadata.name: Required value: name or generateName is required");
      }
      return;
    }
    if (name.length() > 253 || !DNS_SUBDOMAIN.matcher(name).matches()) {
      errors.add(
          "metadata.name: Invalid value: \"" + name + "\": a lowercase RFC 1123 subdomain must consist"
              + " of lower case alphanumeric characters, '-' or '.', and must start and end with an"
              + " alphanumeric character (e.g. 'example.com', regex used for validation is"
              + " '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
    }
  }

  /** Unknown fields, as kubectl's strict field validation reports them: {@code unknown field "spec.x"}. */
  private static void unknownFields(JsonNode value, JsonNode schema, String at, List<String> errors) {
    boolean preserve = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
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
        } else if (!preserve) {
          errors.add(p + ": unknown field \"" + p + "\"");
        }
      }
    } else if (value.isArray() && schema.has("items")) {
      for (int i = 0; i < value.size(); i++) {
        unknownFields(value.get(i), schema.get("items"), at + "[" + i + "]", errors);
      }
    }
  }

  /** Adds the keyword errors in the API server's words; returns true when one of them blocks CEL. */
  private static boolean keywordErrors(Set<ValidationMessage> messages, JsonNode root, String prefix, List<String> errors) {
    boolean blocking = false;
    for (ValidationMessage m : messages) {
      String at = join(prefix, path(m.getInstanceLocation().toString()));
      String location = m.getSchemaLocation().getFragment().toString();
      JsonNode schema = root.at(location.substring(0, Math.max(0, location.lastIndexOf('/'))));
      JsonNode value = m.getInstanceNode();
      String shown = show(value);
      String type = m.getType();
      blocking |= Set.of("required", "enum", "maxLength", "maxItems", "type").contains(type);
      errors.add(
          switch (type) {
            case "required" -> child(at, m.getProperty()) + ": Required value";
            case "enum" -> {
              List<String> allowed = new ArrayList<>();
              schema.path("enum").forEach(e -> allowed.add(e.asText()));
              yield at + ": Unsupported value: " + shown + ": supported values: " + quoted(allowed);
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
            case "type" -> {
              String actual = jsonType(value);
              yield at + ": Invalid value: \"" + actual + "\": " + at + " in body must be of type "
                  + schema.path("type").asText() + ": \"" + actual + "\"";
            }
            default -> at + ": Invalid value: " + shown + ": " + m.getMessage();
          });
    }
    return blocking;
  }

  /** Evaluates the CEL rules of every node present in the value, outermost first. */
  private static void celErrors(JsonNode value, JsonNode schema, CelRules rules, String at, List<String> errors) {
    if (value == null || value.isNull()) {
      return;
    }
    List<CelRules.Rule> own = rules.rulesOf(schema);
    if (!own.isEmpty()) {
      Object self = CelValues.of(value, schema);
      String type = schema.path("type").asText("object");
      for (CelRules.Rule rule : own) {
        if (rule.transition()) {
          continue;
        }
        if (rule.program() == null) {
          errors.add(at + ": Invalid value: \"" + type + "\": rule " + rule.problem());
          continue;
        }
        String failure = CelRules.failure(rule, self);
        if (failure == null) {
          continue;
        }
        if (failure.equals("false")) {
          errors.add(join(at, rule.fieldPath()) + ": Invalid value: \"" + type + "\": " + rule.message());
        } else {
          errors.add(at + ": Invalid value: \"" + type + "\": " + failure + " evaluating rule: " + rule.message());
        }
      }
    }
    if (value.isObject() && schema.has("properties")) {
      for (Iterator<Map.Entry<String, JsonNode>> it = schema.get("properties").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (value.has(e.getKey())) {
          celErrors(value.get(e.getKey()), e.getValue(), rules, child(at, e.getKey()), errors);
        }
      }
    } else if (value.isObject() && schema.path("additionalProperties").isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        celErrors(e.getValue(), schema.get("additionalProperties"), rules, child(at, e.getKey()), errors);
      }
    } else if (value.isArray() && schema.has("items")) {
      for (int i = 0; i < value.size(); i++) {
        celErrors(value.get(i), schema.get("items"), rules, at + "[" + i + "]", errors);
      }
    }
  }

  private static String show(JsonNode value) {
    if (value == null || value.isNull()) {
      return "null";
    }
    if (value.isTextual()) {
      return "\"" + value.asText() + "\"";
    }
    // Go's %v: a whole float prints without ".0" (1, not 1.0).
    if (value.isFloatingPointNumber() && value.asDouble() == Math.rint(value.asDouble()) && Math.abs(value.asDouble()) < 1e21) {
      return new java.math.BigDecimal(value.asDouble()).toBigInteger().toString();
    }
    return value.toString();
  }

  private static String jsonType(JsonNode value) {
    if (value == null || value.isNull()) {
      return "null";
    }
    if (value.isIntegralNumber()) {
      return "integer";
    }
    return switch (value.getNodeType()) {
      case NUMBER -> "number";
      case BOOLEAN -> "boolean";
      case OBJECT -> "object";
      case ARRAY -> "array";
      default -> "string";
    };
  }

  private static String number(JsonNode n) {
    double d = n.asDouble();
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  private static String quoted(Iterable<String> values) {
    List<String> q = new ArrayList<>();
    values.forEach(v -> q.add("\"" + v + "\""));
    return String.join(", ", q);
  }

  /** networknt's JSON path ($.spec.checks[0]) to the API server's (spec.checks[0]). */
  private static String path(String jsonPath) {
    String p = jsonPath.startsWith("$") ? jsonPath.substring(1) : jsonPath;
    return p.startsWith(".") ? p.substring(1) : p;
  }

  private static String child(String parent, String name) {
    return parent.isEmpty() ? name : parent + "." + name;
  }

  /** Appends a path that may start with '.' or '[' (a fieldPath, or a sub-path) to a prefix. */
  private static String join(String prefix, String rest) {
    if (rest.isEmpty()) {
      return prefix;
    }
    if (prefix.isEmpty()) {
      return rest.startsWith(".") ? rest.substring(1) : rest;
    }
    return rest.startsWith(".") || rest.startsWith("[") ? prefix + rest : prefix + "." + rest;
  }
}
