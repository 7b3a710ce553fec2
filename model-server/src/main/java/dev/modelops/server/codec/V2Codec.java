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
 * feature, named after it ({@link V2Request}); outputs are "probability" (FP64, the positive
 * class) and "predicted_class" (INT64).
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
   * The predictions of a V2 answer as {@link #response} writes it (another model server's, such as
   * a shadow candidate's), without ids; an answer of another shape is an IllegalArgumentException.
   */
  public static Prediction[] readResponse(byte[] body) {
    JsonNode probability = null;
    JsonNode predicted = null;
    for (JsonNode output : Json.parse(body).path("outputs")) {
      switch (output.path("name").asText()) {
        case "probability" -> probability = output.path("data");
        case "predicted_class" -> predicted = output.path("data");
        default -> { }
      }
    }
    if (probability == null || predicted == null || probability.size() != predicted.size()) {
      throw new IllegalArgumentException("the answer has no 'probability' and 'predicted_class' outputs of one length");
    }
    Prediction[] out = new Prediction[probability.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = new Prediction(null, predicted.get(i).asInt(), probability.get(i).asDouble());
    }
    return out;
  }

  /** The inference response, written straight to bytes. */
  public static byte[] response(String model, int version, String id, Prediction[] out) {
    ByteArrayBuilder bytes = new ByteArrayBuilder(128 + out.length * 24);
    try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(bytes)) {
      g.writeStartObject();
      g.writeStringField("model_name", model);
      g.writeStringField("model_version", Integer.toString(version));
      if (id != null) {
        g.writeStringField("id", id);
      }
      g.writeArrayFieldStart("outputs");
      for (int o = 0; o < 2; o++) {
        g.writeStartObject();
        g.writeStringField("name", o == 0 ? "probability" : "predicted_class");
        g.writeStringField("datatype", o == 0 ? "FP64" : "INT64");
        g.writeArrayFieldStart("shape");
        g.writeNumber(out.length);
        g.writeEndArray();
        g.writeArrayFieldStart("data");
        for (Prediction p : out) {
          if (o == 0) {
            g.writeNumber(p.probability());
          } else {
            g.writeNumber(p.predictedClass());
          }
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
