package dev.modelops.server.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import dev.modelops.bundle.Feature;
import dev.modelops.bundle.RecordException;
import dev.modelops.bundle.Scorer;
import dev.modelops.server.ApiException;
import dev.modelops.server.Prediction;
import dev.modelops.server.Rows;
import io.micronaut.http.HttpStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Open Inference Protocol V2 tensors to rows and answers to tensors. Inputs are one tensor per
 * feature, named after it ({@link V2Request}); outputs are those of the model's kind
 * ({@link AnswerFields}): binary "probability" (FP64, the positive class) and "predicted_class" (INT64).
 */
public final class V2Codec {
  private V2Codec() {}

  /** The request's tensors as rows in feature order; a missing tensor or a bad element is an ApiException naming it. */
  public static Rows rows(V2Request request, List<Feature> features) {
    int rows = request.rows();
    Object[][] values = new Object[rows][features.size()];
    for (int c = 0; c < features.size(); c++) {
      Feature f = features.get(c);
      List<Object> data = request.inputs().get(f.name());
      if (data == null) {
        throw new ApiException(HttpStatus.BAD_REQUEST, f.name(),
            "missing input tensor '" + f.name() + "'; inputs are one tensor per feature: " + features.stream().map(Feature::name).toList());
      }
      for (int r = 0; r < rows; r++) {
        try {
          values[r][c] = Scorer.convert(f, data.get(r));
        } catch (RecordException e) {
          throw new ApiException(HttpStatus.BAD_REQUEST, f.name(), "row " + r + ": " + e.getMessage());
        }
      }
    }
    return Rows.of(values);
  }

  /**
   * The predictions of a V2 answer as {@link #response} writes it for a model of this kind
   * (another model server's, such as a shadow candidate's), without ids; a multi-class class this
   * model does not know reads as class -1. An answer of another shape is an IllegalArgumentException.
   */
  public static Prediction[] readResponse(byte[] body, AnswerFields fields) {
    // The outputs each kind is read from: the first gives the rows, the second (binary) must match it.
    List<String> names = switch (fields.kind()) {
      case BINARY -> List.of("probability", "predicted_class");
      case REGRESSION -> List.of("value");
      case MULTICLASS -> List.of("class");
    };
    JsonNode[] data = new JsonNode[names.size()];
    for (JsonNode output : Json.parse(body).path("outputs")) {
      int o = names.indexOf(output.path("name").asText());
      if (o >= 0) {
        data[o] = output.path("data");
      }
    }
    for (JsonNode d : data) {
      if (d == null || d.size() != data[0].size()) {
        throw new IllegalArgumentException("the answer has no " + String.join(" and ", names) + " outputs of one length");
      }
    }
    Prediction[] out = new Prediction[data[0].size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = switch (fields.kind()) {
        case BINARY -> new Prediction(null, data[1].get(i).asInt(), data[0].get(i).asDouble());
        case REGRESSION -> Prediction.ofValue(null, data[0].get(i).asDouble());
        case MULTICLASS -> fields.classOnly(null, data[0].get(i).asText());
      };
    }
    return out;
  }

  /** The inference response, written straight to bytes. */
  public static byte[] response(String model, int version, String id, Prediction[] out, AnswerFields fields) {
    ByteArrayBuilder bytes = new ByteArrayBuilder(128 + out.length * 24);
    try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(bytes)) {
      g.writeStartObject();
      g.writeStringField("model_name", model);
      g.writeStringField("model_version", Integer.toString(version));
      if (id != null) {
        g.writeStringField("id", id);
      }
      g.writeArrayFieldStart("outputs");
      fields.v2Outputs(g, out);
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
