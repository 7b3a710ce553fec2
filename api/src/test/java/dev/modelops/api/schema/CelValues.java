package dev.modelops.api.schema;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON to CEL values by the schema's declared types, as the API server converts them: a
 * {@code number} is a double even when written as 1, an {@code integer} is an int, objects are
 * maps. Null fields are left out (has() is false for them).
 */
final class CelValues {
  private CelValues() {}

  static Object of(JsonNode value, JsonNode schema) {
    String type = schema == null ? "" : schema.path("type").asText("");
    if (value.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getValue().isNull()) {
          continue;
        }
        JsonNode sub =
            schema == null ? null
                : schema.path("properties").has(e.getKey()) ? schema.get("properties").get(e.getKey())
                : schema.get("additionalProperties");
        map.put(e.getKey(), of(e.getValue(), sub));
      }
      return map;
    }
    if (value.isArray()) {
      List<Object> list = new ArrayList<>();
      for (JsonNode item : value) {
        list.add(of(item, schema == null ? null : schema.get("items")));
      }
      return list;
    }
    if (value.isNumber()) {
      if (type.equals("number") || (!type.equals("integer") && value.isFloatingPointNumber())) {
        return value.asDouble();
      }
      return value.asLong();
    }
    if (value.isBoolean()) {
      return value.asBoolean();
    }
    return value.asText();
  }
}
