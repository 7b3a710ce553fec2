package dev.modelops.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import dev.modelops.bundle.Feature;
import dev.modelops.bundle.RecordException;
import dev.modelops.bundle.Scorer;
import dev.modelops.server.model.LoadedModel;
import dev.modelops.server.scoring.Predictions;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.server.types.files.StreamedFile;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * POST /v1/predict/batch: a CSV (with a header row) or NDJSON body, streamed in and scored in
 * chunks, answers streamed out in the same format ({@code id,class,probability}), so millions
 * of rows never sit in memory. The first chunk is checked before the response starts: an error
 * there is a 400 naming the row; an error further on ends the stream with an error line naming
 * the row (the status line has already been sent by then).
 */
@Controller("/v1/predict")
public class BatchController {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BatchController.class);
  static final int CHUNK = 1024;
  private static final CsvMapper CSV_MAPPER = new CsvMapper();
  static final MediaType CSV = MediaType.of("text/csv");
  static final MediaType NDJSON = MediaType.of("application/x-ndjson");

  private final LoadedModel model;
  private final Predictions predictions;
  private final ExecutorService writers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "batch-writer");
    t.setDaemon(true);
    return t;
  });
  /** Scores parsed chunks while the next ones are parsed: one thread per core, shared by all batches. */
  private final ExecutorService scorers = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(), r -> {
    Thread t = new Thread(r, "batch-scorer");
    t.setDaemon(true);
    return t;
  });
  /** Chunks scored ahead of the writer, per batch. */
  static final int AHEAD = 4;

  public BatchController(LoadedModel model, Predictions predictions) {
    this.model = model;
    this.predictions = predictions;
  }

  @Post(value = "/batch", consumes = {"text/csv", "application/x-ndjson"}, produces = {"text/csv", "application/x-ndjson"})
  @ExecuteOn(TaskExecutors.BLOCKING)
  public HttpResponse<StreamedFile> batch(@Header("Content-Type") String contentType, @Body @io.micronaut.core.annotation.Nullable InputStream body) throws IOException {
    model.bundle();
    if (body == null) {
      throw new ApiException(HttpStatus.BAD_REQUEST, null, "the request body is empty; send a CSV with a header row, or NDJSON");
    }
    boolean csv = contentType.startsWith("text/csv");
    Iterator<Object[]> rows;
    try {
      rows = csv ? csvRows(body) : ndjsonRows(body);
    } catch (IOException e) {
      throw new ApiException(HttpStatus.BAD_REQUEST, null, "cannot read the body: " + e.getMessage());
    }
    List<Object[]> first = take(rows, CHUNK);
    if (first.isEmpty()) {
      throw new ApiException(HttpStatus.BAD_REQUEST, null, "the batch has no rows");
    }
    Prediction[] firstAnswers = predictions.predict(Rows.of(first.toArray(new Object[0][])));
    ChunkPipe out = new ChunkPipe(AHEAD * 2);
    writers.submit(() -> {
      try {
        out.put(csv ? "id,class,probability\n".getBytes(StandardCharsets.UTF_8) : new byte[0]);
        out.put(encode(firstAnswers, csv));
        // Parse here, score on the scorer threads, hand over in order: parsing, scoring and
        // sending overlap.
        java.util.ArrayDeque<java.util.concurrent.Future<byte[]>> scored = new java.util.ArrayDeque<>();
        String failure = null;
        while (failure == null) {
          // A bad row ends the batch, but every row before it is still answered.
          List<Object[]> chunk = new ArrayList<>(CHUNK);
          try {
            while (chunk.size() < CHUNK && rows.hasNext()) {
              chunk.add(rows.next());
            }
          } catch (ApiException e) {
            failure = e.getMessage();
          }
          if (chunk.isEmpty()) {
            break;
          }
          Object[][] values = chunk.toArray(new Object[0][]);
          scored.add(scorers.submit(() -> encode(predictions.predict(Rows.of(values)), csv)));
          while (scored.size() >= AHEAD) {
            out.put(next(scored));
          }
        }
        while (!scored.isEmpty()) {
          out.put(next(scored));
        }
        if (failure != null) {
          out.put(errorLine(failure, csv));
        }
      } catch (IOException e) {
        // The client went away: nothing left to answer.
      } catch (RuntimeException e) {
        // Not the client's doing (the status line has gone out): end the stream saying so.
        LOG.error("batch scoring failed", e);
        try {
          out.put(errorLine("the server failed to score the batch: " + e, csv));
        } catch (IOException gone) {
          // The client went away as well.
        }
      } finally {
        try {
          out.finish();
        } catch (IOException e) {
          // The reader is gone too.
        }
      }
    });
    return HttpResponse.ok(new StreamedFile(out, csv ? CSV : NDJSON));
  }

  private static byte[] encode(Prediction[] answers, boolean csv) {
    StringBuilder sb = new StringBuilder(answers.length * 48);
    for (Prediction p : answers) {
      if (csv) {
        sb.append(p.id()).append(',').append(p.predictedClass()).append(',').append(p.probability()).append('\n');
      } else {
        sb.append("{\"id\":\"").append(p.id()).append("\",\"class\":").append(p.predictedClass())
            .append(",\"probability\":").append(p.probability()).append("}\n");
      }
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] errorLine(String message, boolean csv) throws IOException {
    String line = csv ? "#error," + message.replace('\n', ' ') + "\n" : Json.MAPPER.writeValueAsString(Map.of("error", message)) + "\n";
    return line.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] next(java.util.ArrayDeque<java.util.concurrent.Future<byte[]>> scored) throws IOException {
    try {
      return scored.poll().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(String.valueOf(e.getCause()), e.getCause());
    }
  }

  private static List<Object[]> take(Iterator<Object[]> rows, int n) {
    List<Object[]> out = new ArrayList<>(n);
    while (out.size() < n && rows.hasNext()) {
      out.add(rows.next());
    }
    return out;
  }

  /**
   * CSV rows (RFC 4180: quoted fields, doubled quotes, blank lines skipped, cells trimmed) read
   * with Jackson's streaming CSV parser, straight from the bytes to each feature's value.
   */
  private Iterator<Object[]> csvRows(InputStream body) throws IOException {
    List<Feature> features = model.features();
    CsvParser parser = (CsvParser) CSV_MAPPER.getFactory().createParser(body);
    parser.enable(CsvParser.Feature.TRIM_SPACES);
    parser.enable(CsvParser.Feature.SKIP_EMPTY_LINES);
    List<String> header = new ArrayList<>();
    try {
      if (parser.nextToken() == JsonToken.START_ARRAY) {
        while (parser.nextToken() == JsonToken.VALUE_STRING) {
          header.add(parser.getText());
        }
      }
    } catch (JsonProcessingException e) {
      throw new ApiException(HttpStatus.BAD_REQUEST, null, "the CSV header cannot be parsed: " + e.getOriginalMessage());
    }
    if (header.isEmpty() || header.stream().allMatch(String::isEmpty)) {
      throw new ApiException(HttpStatus.BAD_REQUEST, null, "the CSV has no header row; the first line must name the feature columns");
    }
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < header.size(); i++) {
      index.putIfAbsent(header.get(i), i);
    }
    // For each column, the feature it feeds (-1: a column the model does not use).
    int[] featureOf = new int[header.size()];
    java.util.Arrays.fill(featureOf, -1);
    for (int f = 0; f < features.size(); f++) {
      Integer c = index.get(features.get(f).name());
      if (c == null) {
        throw new ApiException(HttpStatus.BAD_REQUEST, features.get(f).name(), "the CSV header has no column '" + features.get(f).name() + "'; it needs every feature: " + features.stream().map(Feature::name).toList());
      }
      featureOf[c] = f;
    }
    return new Iterator<>() {
      long row;
      final List<String> cells = new ArrayList<>(header.size());
      boolean pending;

      /** Reads the next row's cells into {@code cells}, skipping blank lines; false at the end. */
      @Override
      public boolean hasNext() {
        try {
          while (!pending) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
              return false;
            }
            row++;
            cells.clear();
            while (parser.nextToken() == JsonToken.VALUE_STRING) {
              cells.add(parser.getText());
            }
            pending = !(cells.size() == 1 && cells.get(0).isBlank() && header.size() > 1);
            if (!pending) {
              row--;
            }
          }
          return true;
        } catch (IOException e) {
          throw new ApiException(HttpStatus.BAD_REQUEST, "row " + row, "row " + row + " cannot be parsed: " + message(e));
        }
      }

      @Override
      public Object[] next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        pending = false;
        if (cells.size() != header.size()) {
          throw new ApiException(HttpStatus.BAD_REQUEST, "row " + row, "row " + row + " has " + cells.size() + " columns; the header has " + header.size());
        }
        Object[] values = new Object[features.size()];
        for (int c = 0; c < featureOf.length; c++) {
          int f = featureOf[c];
          if (f >= 0) {
            try {
              values[f] = Scorer.fromCell(features.get(f), cells.get(c));
            } catch (RecordException e) {
              throw new ApiException(HttpStatus.BAD_REQUEST, "row " + row + "." + e.field(), "row " + row + ": " + e.getMessage());
            }
          }
        }
        return values;
      }
    };
  }

  private static String message(IOException e) {
    return e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
  }

  /**
   * NDJSON rows: one JSON object per line (blank lines skipped), read in one streaming pass
   * straight to each feature's value; keys that are not features are ignored. Errors name the line
   * the object starts on.
   */
  private Iterator<Object[]> ndjsonRows(InputStream body) throws IOException {
    List<Feature> features = model.features();
    Map<String, Integer> featureIndex = new HashMap<>();
    for (int f = 0; f < features.size(); f++) {
      featureIndex.put(features.get(f).name(), f);
    }
    JsonParser parser = Json.STREAMING.createParser(body);
    return new Iterator<>() {
      JsonToken next;
      long line = 1;

      @Override
      public boolean hasNext() {
        if (next == null) {
          try {
            next = parser.nextToken();
            line = parser.currentTokenLocation().getLineNr();
          } catch (IOException e) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "line " + line, "line " + line + " is not valid JSON: " + message(e));
          }
        }
        return next != null;
      }

      @Override
      public Object[] next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        JsonToken token = next;
        next = null;
        String where = "line " + line;
        if (token != JsonToken.START_OBJECT) {
          throw new ApiException(HttpStatus.BAD_REQUEST, where, where + " must be a JSON object of feature name to value, got " + Json.describe(token));
        }
        Object[] values = new Object[features.size()];
        boolean[] seen = new boolean[values.length];
        try {
          while (parser.nextToken() == JsonToken.FIELD_NAME) {
            Integer f = featureIndex.get(parser.currentName());
            JsonToken t = parser.nextToken();
            if (f == null) {
              parser.skipChildren();
              continue;
            }
            Feature feature = features.get(f);
            Object raw = Json.scalar(parser, t);
            if (raw == Json.NOT_SCALAR) {
              throw new ApiException(HttpStatus.BAD_REQUEST, where + "." + feature.name(),
                  where + ": " + feature.name() + ": must be a number, a string or null, got " + Json.describe(t));
            }
            try {
              values[f] = Scorer.convert(feature, raw);
            } catch (RecordException e) {
              throw new ApiException(HttpStatus.BAD_REQUEST, where + "." + e.field(), where + ": " + e.getMessage());
            }
            seen[f] = true;
          }
        } catch (IOException e) {
          throw new ApiException(HttpStatus.BAD_REQUEST, where, where + " is not valid JSON: " + message(e));
        }
        for (int f = 0; f < seen.length; f++) {
          if (!seen[f]) {
            throw new ApiException(HttpStatus.BAD_REQUEST, where + "." + features.get(f).name(),
                where + ": " + features.get(f).name() + ": missing feature (send null for a missing value)");
          }
        }
        return values;
      }
    };
  }

}
