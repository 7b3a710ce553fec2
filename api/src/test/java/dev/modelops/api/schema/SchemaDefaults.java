package dev.modelops.api.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Applies schema defaults the way the API server does before validating: a missing (or null)
 * property with a default gets a copy of it, and defaulting continues inside what was set, so a
 * {@code default: {}} object receives its own properties' defaults too.
 */
final class SchemaDefaults {
  private SchemaDefaults() {}

  static void apply(JsonNode value, JsonNode schema) {
    if (value.isObject() && schema.has("properties")) {
      ObjectNode obj = (ObjectNode) value;
      for (Iterator<Map.Entry<String, JsonNode>> it = schema.get("properties").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode present = obj.get(e.getKey());
        boolean nullable = e.getValue().path("nullable").asBoolean(false);
        if ((present == null || (present.isNull() && !nullable)) && e.getValue().has("default")) {
          obj.set(e.getKey(), e.getValue().get("default").deepCopy());
        }
        if (obj.has(e.getKey())) {
          apply(obj.get(e.getKey()), e.getValue());
        }
      }
    } else if (value.isObject() && schema.path("additionalProperties").isObject()) {
      value.forEach(v -> apply(v, schema.get("additionalProperties")));
    } else if (value.isArray() && schema.has("items")) {
      value.forEach(v -> apply(v, schema.get("items")));
    }
  }
}
