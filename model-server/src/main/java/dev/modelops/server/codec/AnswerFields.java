package dev.modelops.server.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.modelops.bundle.ModelKind;
import dev.modelops.server.Prediction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one home of what an answer holds for each kind of model, in every format: binary
 * {@code id, class (0/1), probability}; regression {@code id, value}; multi-class
 * {@code id, class (the label), probabilities (label to probability)}, whose CSV columns are
 * {@code id,class,p_<label>...} and whose V2 outputs are {@code class} (BYTES [N]) and
 * {@code probabilities} (FP64 [N, K]). Each method picks the kind once and then writes every row.
 */
public final class AnswerFields {
  /** The answers of a binary model (and of every ONNX model). */
  public static final AnswerFields BINARY = new AnswerFields(ModelKind.BINARY, List.of());

  private final ModelKind kind;
  private final List<String> classes;
  /** The class labels as JSON strings and as CSV cells, quoted once here rather than on every row. */
  private final String[] jsonLabels;
  private final String[] csvLabels;

  private AnswerFields(ModelKind kind, List<String> classes) {
    this.kind = kind;
    this.classes = classes;
    this.jsonLabels = new String[classes.size()];
    this.csvLabels = new String[classes.size()];
    for (int k = 0; k < classes.size(); k++) {
      try {
        jsonLabels[k] = Json.MAPPER.writeValueAsString(classes.get(k));
      } catch (JsonProcessingException e) {
        throw new UncheckedIOException(e);
      }
      csvLabels[k] = csvCell(classes.get(k));
    }
  }

  /** The answers of a model of this kind (its classes: a multi-class model's labels in output order, else empty). */
  public static AnswerFields of(ModelKind kind, List<String> classes) {
    return kind == ModelKind.BINARY ? BINARY : new AnswerFields(kind, List.copyOf(classes));
  }

  public ModelKind kind() {
    return kind;
  }

  /** One answer as a JSON object ({@code /v1/predict}, the inference log). */
  public Map<String, Object> json(Prediction p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", p.id());
    put(m, p);
    return m;
  }

  /** Puts the answer's fields but its id into {@code m}. */
  public void put(Map<String, Object> m, Prediction p) {
    switch (kind) {
      case BINARY -> {
        m.put("class", p.predictedClass());
        m.put("probability", p.probability());
      }
      case REGRESSION -> m.put("value", p.value());
      case MULTICLASS -> {
        m.put("class", classes.get(p.predictedClass()));
        Map<String, Object> byClass = new LinkedHashMap<>();
        for (int k = 0; k < classes.size(); k++) {
          byClass.put(classes.get(k), p.probabilities()[k]);
        }
        m.put("probabilities", byClass);
      }
    }
  }

  /** A multi-class answer known only by its class label (another server's, read back): its index in this model's classes, or -1. */
  Prediction classOnly(String id, String label) {
    return new Prediction(id, classes.indexOf(label), Double.NaN, Double.NaN, null);
  }

  /** The header row of a CSV answer. */
  public String csvHeader() {
    return switch (kind) {
      case BINARY -> "id,class,probability\n";
      case REGRESSION -> "id,value\n";
      case MULTICLASS -> {
        StringBuilder sb = new StringBuilder("id,class");
        for (String c : classes) {
          sb.append(',').append(csvCell("p_" + c));
        }
        yield sb.append('\n').toString();
      }
    };
  }

  /** CSV answer rows. */
  void csv(StringBuilder sb, Prediction[] out) {
    switch (kind) {
      case BINARY -> {
        for (Prediction p : out) {
          sb.append(p.id()).append(',').append(p.predictedClass()).append(',').append(p.probability()).append('\n');
        }
      }
      case REGRESSION -> {
        for (Prediction p : out) {
          sb.append(p.id()).append(',').append(p.value()).append('\n');
        }
      }
      case MULTICLASS -> {
        for (Prediction p : out) {
          sb.append(p.id()).append(',').append(csvLabels[p.predictedClass()]);
          for (double q : p.probabilities()) {
            sb.append(',').append(q);
          }
          sb.append('\n');
        }
      }
    }
  }

  /** NDJSON answer lines, the fields of {@link #json}. Ids are hex and digits (see RequestIds): nothing to escape. */
  void ndjson(StringBuilder sb, Prediction[] out) {
    switch (kind) {
      case BINARY -> {
        for (Prediction p : out) {
          sb.append("{\"id\":\"").append(p.id()).append("\",\"class\":").append(p.predictedClass())
              .append(",\"probability\":").append(p.probability()).append("}\n");
        }
      }
      case REGRESSION -> {
        for (Prediction p : out) {
          sb.append("{\"id\":\"").append(p.id()).append("\",\"value\":").append(p.value()).append("}\n");
        }
      }
      case MULTICLASS -> {
        for (Prediction p : out) {
          sb.append("{\"id\":\"").append(p.id()).append("\",\"class\":").append(jsonLabels[p.predictedClass()]).append(",\"probabilities\":{");
          for (int k = 0; k < jsonLabels.length; k++) {
            sb.append(k == 0 ? "" : ",").append(jsonLabels[k]).append(':').append(p.probabilities()[k]);
          }
          sb.append("}}\n");
        }
      }
    }
  }

  /** The V2 output tensors' names, datatypes and shapes (-1: any number of rows), as model metadata lists them. */
  public List<Map<String, Object>> v2Metadata() {
    List<Map<String, Object>> out = new ArrayList<>();
    switch (kind) {
      case BINARY -> {
        out.add(tensor("probability", "FP64", List.of(-1)));
        out.add(tensor("predicted_class", "INT64", List.of(-1)));
      }
      case REGRESSION -> out.add(tensor("value", "FP64", List.of(-1)));
      case MULTICLASS -> {
        out.add(tensor("class", "BYTES", List.of(-1)));
        out.add(tensor("probabilities", "FP64", List.of(-1, classes.size())));
      }
    }
    return out;
  }

  /** A tensor's metadata: name, datatype, shape. */
  public static Map<String, Object> tensor(String name, String datatype, List<Integer> shape) {
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("name", name);
    t.put("datatype", datatype);
    t.put("shape", shape);
    return t;
  }

  /** Writes the V2 output tensors of the answers. */
  void v2Outputs(JsonGenerator g, Prediction[] out) throws IOException {
    switch (kind) {
      case BINARY -> {
        startTensor(g, "probability", "FP64", out.length, 0);
        for (Prediction p : out) {
          g.writeNumber(p.probability());
        }
        endTensor(g);
        startTensor(g, "predicted_class", "INT64", out.length, 0);
        for (Prediction p : out) {
          g.writeNumber(p.predictedClass());
        }
        endTensor(g);
      }
      case REGRESSION -> {
        startTensor(g, "value", "FP64", out.length, 0);
        for (Prediction p : out) {
          g.writeNumber(p.value());
        }
        endTensor(g);
      }
      case MULTICLASS -> {
        startTensor(g, "class", "BYTES", out.length, 0);
        for (Prediction p : out) {
          g.writeString(classes.get(p.predictedClass()));
        }
        endTensor(g);
        // Row-major, as V2 lays out the data of a tensor of more than one dimension.
        startTensor(g, "probabilities", "FP64", out.length, classes.size());
        for (Prediction p : out) {
          for (double q : p.probabilities()) {
            g.writeNumber(q);
          }
        }
        endTensor(g);
      }
    }
  }

  private static void startTensor(JsonGenerator g, String name, String datatype, int rows, int columns) throws IOException {
    g.writeStartObject();
    g.writeStringField("name", name);
    g.writeStringField("datatype", datatype);
    g.writeArrayFieldStart("shape");
    g.writeNumber(rows);
    if (columns > 0) {
      g.writeNumber(columns);
    }
    g.writeEndArray();
    g.writeArrayFieldStart("data");
  }

  private static void endTensor(JsonGenerator g) throws IOException {
    g.writeEndArray();
    g.writeEndObject();
  }

  /** A CSV cell, quoted (RFC 4180) when it holds a comma, a quote or a line end. */
  private static String csvCell(String s) {
    return s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0 ? s : '"' + s.replace("\"", "\"\"") + '"';
  }
}
