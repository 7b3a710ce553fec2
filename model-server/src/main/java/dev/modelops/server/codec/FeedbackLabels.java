package dev.modelops.server.codec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelops.bundle.ModelBundle;
import dev.modelops.bundle.RecordException;
import dev.modelops.server.ApiException;
import io.micronaut.http.HttpStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Feedback bodies: {@code {"id": ..., "label": ...}} or an array of them, to labels of the model's
 * kind: binary, 0|1|true|false or a class value (1 when it is the positive class, 0 otherwise);
 * regression, a number; multi-class, a class value the model knows (its index in the classes).
 */
public final class FeedbackLabels {
  /**
   * The true label of the prediction with this id.
   *
   * @param label the class: 0 or 1 (binary) or the class's index (multi-class); -1 for a regression
   * @param value the true number of a regression, NaN for other kinds
   */
  public record Label(String id, int label, double value) {
    /** A class label. */
    public Label(String id, int label) {
      this(id, label, Double.NaN);
    }
  }

  /** One item's label, or a 400 naming {@code where + "label"}. */
  private interface LabelReader {
    Label read(String id, JsonNode label, int i, String where);
  }

  private FeedbackLabels() {}

  /** The labels of the body for a model of this bundle's kind, or a 400 naming the first bad one. */
  public static List<Label> decode(JsonNode root, ModelBundle bundle) {
    return switch (bundle.kind()) {
      case BINARY -> decode(root, () -> bundle.manifest().positiveClass());
      case REGRESSION -> read(root, () -> FeedbackLabels::number);
      case MULTICLASS -> read(root, () -> (id, label, i, where) -> classOf(bundle, id, label, i, where));
    };
  }

  /** Every label of the body for a binary model, or a 400 naming the first bad one; the positive class is asked for once the body is not empty. */
  public static List<Label> decode(JsonNode root, Supplier<String> positive) {
    return read(root, () -> {
      String positiveClass = positive.get();
      return (id, label, i, where) -> new Label(id, binary(label, i, where, positiveClass));
    });
  }

  private static List<Label> read(JsonNode root, Supplier<LabelReader> readers) {
    List<JsonNode> items = new ArrayList<>();
    if (root.isArray()) {
      root.forEach(items::add);
    } else {
      items.add(root);
    }
    if (items.isEmpty()) {
      throw new ApiException(HttpStatus.BAD_REQUEST, null, "the array of feedback is empty");
    }
    LabelReader reader = readers.get();
    List<Label> labels = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      JsonNode item = items.get(i);
      String where = root.isArray() ? "[" + i + "]" : "";
      if (!item.isObject() || !item.path("id").isTextual()) {
        throw new ApiException(HttpStatus.BAD_REQUEST, where + "id", "feedback " + i + " needs a string id (from a prediction)");
      }
      JsonNode label = item.get("label");
      if (label == null || label.isNull()) {
        throw new ApiException(HttpStatus.BAD_REQUEST, where + "label", "feedback " + i + " needs a label");
      }
      labels.add(reader.read(item.get("id").asText(), label, i, where));
    }
    return labels;
  }

  private static int binary(JsonNode label, int i, String where, String positiveClass) {
    if (label.isBoolean()) {
      return label.asBoolean() ? 1 : 0;
    } else if (label.isNumber() && (label.asDouble() == 0 || label.asDouble() == 1)) {
      return label.asInt();
    } else if (label.isTextual()) {
      return positiveClass.equals(label.asText()) ? 1 : 0;
    }
    throw new ApiException(HttpStatus.BAD_REQUEST, where + "label",
        "feedback " + i + ": label must be 0, 1, true, false or a class value (positive class '" + positiveClass + "')");
  }

  private static Label number(String id, JsonNode label, int i, String where) {
    if (!label.isNumber() || !Double.isFinite(label.asDouble())) {
      throw new ApiException(HttpStatus.BAD_REQUEST, where + "label",
          "feedback " + i + ": label " + label + " is not a number; a regression model's label is the true number");
    }
    return new Label(id, -1, label.asDouble());
  }

  private static Label classOf(ModelBundle bundle, String id, JsonNode label, int i, String where) {
    if (!label.isTextual() && !label.isNumber()) {
      throw new ApiException(HttpStatus.BAD_REQUEST, where + "label",
          "feedback " + i + ": label " + label + " is not a class value; the model knows " + String.join(", ", bundle.classes()));
    }
    try {
      return new Label(id, bundle.classIndex(label.asText()));
    } catch (RecordException e) {
      throw new ApiException(HttpStatus.BAD_REQUEST, where + "label", "feedback " + i + ": " + e.getMessage());
    }
  }
}
