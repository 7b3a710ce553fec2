package dev.modelops.server.codec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelops.server.ApiException;
import io.micronaut.http.HttpStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Feedback bodies: {@code {"id": ..., "label": 0|1|true|false|"<class value>"}} or an array of
 * them, to labels 0 or 1. A class value is 1 when it is the positive class, 0 otherwise.
 */
public final class FeedbackLabels {
  /** The true label of the prediction with this id. */
  public record Label(String id, int label) {}

  private FeedbackLabels() {}

  /** Every label of the body, or a 400 naming the first bad one; the positive class is asked for once the body is not empty. */
  public static List<Label> decode(JsonNode root, Supplier<String> positive) {
    List<JsonNode> items = new ArrayList<>();
    if (root.isArray()) {
      root.forEach(items::add);
    } else {
      items.add(root);
    }
    if (items.isEmpty()) {
      throw new ApiException(HttpStatus.BAD_REQUEST, null, "the array of feedback is empty");
    }
    String positiveClass = positive.get();
    List<Label> labels = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      JsonNode item = items.get(i);
      String where = root.isArray() ? "[" + i + "]" : "";
      if (!item.isObject() || !item.path("id").isTextual()) {
        throw new ApiException(HttpStatus.BAD_REQUEST, where + "id", "feedback " + i + " needs a string id (from a prediction)");
      }
      labels.add(new Label(item.get("id").asText(), label(item.get("label"), i, where, positiveClass)));
    }
    return labels;
  }

  private static int label(JsonNode label, int i, String where, String positiveClass) {
    if (label == null || label.isNull()) {
      throw new ApiException(HttpStatus.BAD_REQUEST, where + "label", "feedback " + i + " needs a label");
    } else if (label.isBoolean()) {
      return label.asBoolean() ? 1 : 0;
    } else if (label.isNumber() && (label.asDouble() == 0 || label.asDouble() == 1)) {
      return label.asInt();
    } else if (label.isTextual()) {
      return positiveClass.equals(label.asText()) ? 1 : 0;
    }
    throw new ApiException(HttpStatus.BAD_REQUEST, where + "label",
        "feedback " + i + ": label must be 0, 1, true, false or a class value (positive class '" + positiveClass + "')");
  }
}
