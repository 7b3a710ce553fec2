package dev.modelops.api.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableCollection;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.CelType;
import dev.cel.common.types.CelTypeProvider;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.types.StructType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The x-kubernetes-validations rules of one schema, compiled as the API server compiles them when
 * a CRD is created: {@code self} (and {@code oldSelf} in transition rules) is typed from the schema
 * (objects with properties are structs, maps are map(string, T), arrays are lists, integer is int,
 * number is double), so a rule that names an undeclared field or compares mismatched types is a
 * compile problem here too, not only when some object happens to reach it.
 */
final class CelRules {
  private static final CelOptions OPTIONS =
      CelOptions.current()
          // Kubernetes' CEL environment compares int and double directly (e.g. self.min > 0).
          .enableHeterogeneousNumericComparisons(true)
          .build();

  private static final Pattern MISSING_KEY = Pattern.compile("key '([^']*)' is not present in map");

  /** One compiled rule of a schema node. */
  record Rule(
      String path,
      String expression,
      String message,
      String fieldPath,
      boolean transition,
      CelRuntime.Program program,
      String problem) {}

  private final Map<JsonNode, List<Rule>> rulesBySchema = new IdentityHashMap<>();
  private final Map<JsonNode, CelType> typesBySchema = new IdentityHashMap<>();
  private final Map<String, CelType> structTypes = new LinkedHashMap<>();
  private final List<String> problems = new ArrayList<>();
  private final CelRuntime runtime = CelRuntimeFactory.standardCelRuntimeBuilder().setOptions(OPTIONS).build();
  private final CelTypeProvider typeProvider =
      new CelTypeProvider() {
        @Override
        public ImmutableCollection<CelType> types() {
          return ImmutableList.copyOf(structTypes.values());
        }

        @Override
        public Optional<CelType> findType(String name) {
          return Optional.ofNullable(structTypes.get(name));
        }
      };

  /** Compiles every rule under {@code root}; {@code typePrefix} names the struct types (e.g. the kind). */
  CelRules(JsonNode root, String typePrefix) {
    typeOf(root, typePrefix);
    compileAll(root, "");
  }

  /** Rules declared on exactly this schema node (identity), in order. */
  List<Rule> rulesOf(JsonNode schema) {
    return rulesBySchema.getOrDefault(schema, List.of());
  }

  /** Rules that do not compile, or whose fieldPath names no declared field, as `<path>: <problem>`. */
  List<String> problems() {
    return problems;
  }

  /**
   * Evaluates a compiled rule. Returns null when it holds, else the reason it does not: false, or
   * an evaluation error (e.g. "no such key" for a field a rule reads without has()).
   */
  static String failure(Rule rule, Object self) {
    try {
      Object result = rule.program().eval(Map.of("self", self, "oldSelf", self));
      return Boolean.TRUE.equals(result) ? null : "false";
    } catch (CelEvaluationException e) {
      // cel-java says "evaluation error at <input>:4: key 'low' is not present in map.";
      // the API server (cel-go) says "no such key: low".
      Matcher m = MISSING_KEY.matcher(String.valueOf(e.getMessage()));
      return m.find() ? "no such key: " + m.group(1) : e.getMessage();
    }
  }

  private void compileAll(JsonNode schema, String path) {
    JsonNode rules = schema.get("x-kubernetes-validations");
    if (rules != null) {
      List<Rule> compiled = new ArrayList<>();
      for (JsonNode rule : rules) {
        compiled.add(compile(schema, path, rule));
      }
      rulesBySchema.put(schema, compiled);
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      compileAll(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey());
    }
    if (schema.path("additionalProperties").isObject()) {
      compileAll(schema.get("additionalProperties"), path + "[*]");
    }
    if (schema.has("items")) {
      compileAll(schema.get("items"), path + "[*]");
    }
  }

  private Rule compile(JsonNode schema, String path, JsonNode rule) {
    String expression = rule.path("rule").asText();
    String message = rule.has("message") ? rule.get("message").asText() : "failed rule: " + expression;
    String fieldPath = rule.path("fieldPath").asText("");
    String where = (path.isEmpty() ? "<root>" : path) + ".x-kubernetes-validations[" + expression + "]";
    boolean transition = expression.contains("oldSelf");
    CelType self = typesBySchema.get(schema);
    CelCompiler compiler =
        CelCompilerFactory.standardCelCompilerBuilder()
            .setOptions(OPTIONS)
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .setTypeProvider(typeProvider)
            .addVar("self", self)
            .addVar("oldSelf", self)
            .build();
    String problem = null;
    CelRuntime.Program program = null;
    try {
      CelValidationResult result = compiler.compile(expression);
      if (result.hasError()) {
        problem = "does not compile against the schema: " + result.getErrorString().replace('\n', ' ');
      } else {
        CelAbstractSyntaxTree ast = result.getAst();
        if (!ast.getResultType().equals(SimpleType.BOOL)) {
          problem = "must evaluate to a bool, not " + ast.getResultType().name();
        } else {
          program = runtime.createProgram(ast);
        }
      }
    } catch (Exception e) {
      problem = "does not compile: " + e.getMessage();
    }
    if (problem == null && !fieldPath.isEmpty() && !declares(schema, fieldPath)) {
      problem = "fieldPath " + fieldPath + " names no field declared in the schema";
    }
    if (problem != null) {
      problems.add(where + ": " + problem);
    }
    return new Rule(path, expression, message, fieldPath, transition, program, problem);
  }

  /** True when a fieldPath such as .retrain or .spec.model names declared properties. */
  private static boolean declares(JsonNode schema, String fieldPath) {
    JsonNode at = schema;
    for (String part : fieldPath.substring(1).split("\\.")) {
      at = at.path("properties").get(part);
      if (at == null) {
        return false;
      }
    }
    return true;
  }

  /** The CEL type the API server gives a value of this schema. */
  private CelType typeOf(JsonNode schema, String name) {
    CelType type;
    String kind = schema.path("type").asText("");
    boolean preserve = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
    if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
      type = SimpleType.DYN;
    } else if (kind.equals("object") && schema.has("properties")) {
      Map<String, CelType> fields = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = schema.get("properties").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        fields.put(e.getKey(), typeOf(e.getValue(), name + "." + e.getKey()));
      }
      Set<String> names = new LinkedHashSet<>(fields.keySet());
      StructType struct = StructType.create(name, ImmutableSet.copyOf(names), f -> Optional.ofNullable(fields.get(f)));
      structTypes.put(name, struct);
      type = struct;
    } else if (kind.equals("object") && schema.path("additionalProperties").isObject()) {
      type = MapType.create(SimpleType.STRING, typeOf(schema.get("additionalProperties"), name + ".@value"));
    } else if (kind.equals("array")) {
      type = ListType.create(schema.has("items") ? typeOf(schema.get("items"), name + ".@items") : SimpleType.DYN);
    } else if (preserve || kind.isEmpty()) {
      type = SimpleType.DYN;
    } else {
      type =
          switch (kind) {
            case "string" -> SimpleType.STRING;
            case "integer" -> SimpleType.INT;
            case "number" -> SimpleType.DOUBLE;
            case "boolean" -> SimpleType.BOOL;
            default -> MapType.create(SimpleType.STRING, SimpleType.DYN);
          };
    }
    typesBySchema.put(schema, type);
    return type;
  }
}
