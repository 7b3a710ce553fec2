package dev.modelops.server.codec;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.modelops.bundle.Feature;
import dev.modelops.server.Prediction;
import io.micronaut.http.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The two formats of a streamed batch, each read as rows and answered in kind: CSV (a header
 * row, answers with the columns of {@link AnswerFields}, such as {@code id,class,probability},
 * a failure as a last line {@code #error,<message>}) and NDJSON (answers with the fields of
 * {@code /v1/predict} per line, a failure as {@code {"error": "<message>"}}).
 */
public enum BatchFormat {
  CSV(MediaType.of("text/csv")) {
    @Override
    public Iterator<Object[]> rows(InputStream body, List<Feature> features) throws IOException {
      return new CsvRows(body, features);
    }

    @Override
    public byte[] header(AnswerFields fields) {
      return fields.csvHeader().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    void append(StringBuilder sb, Prediction[] answers, AnswerFields fields) {
      fields.csv(sb, answers);
    }

    @Override
    public byte[] errorLine(String message) {
      return ("#error," + message.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8);
    }
  },
  NDJSON(MediaType.of("application/x-ndjson")) {
    @Override
    public Iterator<Object[]> rows(InputStream body, List<Feature> features) throws IOException {
      return new NdjsonRows(body, features);
    }

    @Override
    public byte[] header(AnswerFields fields) {
      return new byte[0];
    }

    @Override
    void append(StringBuilder sb, Prediction[] answers, AnswerFields fields) {
      fields.ndjson(sb, answers);
    }

    @Override
    public byte[] errorLine(String message) {
      try {
        return (Json.MAPPER.writeValueAsString(Map.of("error", message)) + "\n").getBytes(StandardCharsets.UTF_8);
      } catch (JsonProcessingException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  private final MediaType mediaType;

  BatchFormat(MediaType mediaType) {
    this.mediaType = mediaType;
  }

  /** The format of a body of this content type: CSV for {@code text/csv}, NDJSON otherwise. */
  public static BatchFormat of(String contentType) {
    return contentType.startsWith("text/csv") ? CSV : NDJSON;
  }

  public MediaType mediaType() {
    return mediaType;
  }

  /** The body's rows, values in feature order, read as they are asked for; a bad row is an ApiException naming it. */
  public abstract Iterator<Object[]> rows(InputStream body, List<Feature> features) throws IOException;

  /** What the answer starts with. */
  public abstract byte[] header(AnswerFields fields);

  /** Answers in this format, one line each, with the fields of the model's kind. */
  public byte[] encode(Prediction[] answers, AnswerFields fields) {
    StringBuilder sb = new StringBuilder(answers.length * 48);
    append(sb, answers, fields);
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  abstract void append(StringBuilder sb, Prediction[] answers, AnswerFields fields);

  /** The last line of an answer whose batch failed after the status line went out. */
  public abstract byte[] errorLine(String message);
}
