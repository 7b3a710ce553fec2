package dev.modelops.server.log;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelops.server.ModelSettings;
import dev.modelops.server.Prediction;
import dev.modelops.server.codec.AnswerFields;
import dev.modelops.server.Rows;
import dev.modelops.server.model.LoadedModel;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends every prediction and every feedback to rotating NDJSON files
 * ({@code inference.ndjson}, then {@code inference.1.ndjson}, ... oldest last), one JSON object a
 * line: {@code {"type": "prediction", "id", "time", "model", "version", "input"}} and the
 * answer's fields ({@link AnswerFields}: binary {@code "class", "probability"}), or {@code {"type": "feedback", "id", "time", "label", "correct"}} ({@code "error"}, the label
 * minus the prediction, instead of {@code "correct"} for a regression). Requests only
 * enqueue; one background thread writes, so disk latency stays off the request path. On
 * shutdown the queue is drained and the file flushed, so nothing accepted is lost.
 */
@Singleton
public class InferenceLog {
  private static final Logger LOG = LoggerFactory.getLogger(InferenceLog.class);
  private static final Object STOP = new Object();

  private final ObjectMapper json = new ObjectMapper();
  private final LoadedModel model;
  private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>(1_000_000);
  private final Path dir;
  private final long maxBytes;
  private final int maxFiles;
  private final Thread writer;
  private volatile boolean closed;

  public InferenceLog(ModelSettings settings, LoadedModel model) {
    this.model = model;
    this.dir = settings.inferenceLog() == null || settings.inferenceLog().isBlank() ? null : Path.of(settings.inferenceLog());
    this.maxBytes = settings.inferenceLogMaxBytes();
    this.maxFiles = settings.inferenceLogMaxFiles();
    if (dir == null) {
      writer = null;
      return;
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IllegalStateException("model.inference-log: cannot create " + dir + ": " + e.getMessage(), e);
    }
    writer = new Thread(this::drain, "inference-log");
    writer.setDaemon(true);
    writer.start();
  }

  /** Logs answered predictions, each with its input row as sent (or its values by feature name). */
  public void predictions(Prediction[] out, Rows rows) {
    if (dir == null) {
      return;
    }
    AnswerFields fields = AnswerFields.of(model.kind(), model.classes());
    for (int i = 0; i < out.length; i++) {
      Prediction p = out[i];
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("type", "prediction");
      entry.put("id", p.id());
      entry.put("time", Instant.now().toString());
      entry.put("model", model.name());
      entry.put("version", model.version());
      Map<String, ?> input = rows.record(i);
      entry.put("input", input != null ? input : byName(rows.values()[i]));
      fields.put(entry, p);
      append(entry);
    }
  }

  private Map<String, Object> byName(Object[] values) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < values.length; i++) {
      m.put(model.features().get(i).name(), values[i]);
    }
    return m;
  }

  /** Logs a true class (0/1, or a multi-class model's class value) joined to an earlier prediction. */
  public void feedback(String id, Object label, boolean correct) {
    if (dir == null) {
      return;
    }
    Map<String, Object> entry = feedbackEntry(id, label);
    entry.put("correct", correct);
    append(entry);
  }

  /** Logs a regression's true number joined to an earlier prediction, with the error (label minus prediction). */
  public void feedbackValue(String id, double label, double error) {
    if (dir == null) {
      return;
    }
    Map<String, Object> entry = feedbackEntry(id, label);
    entry.put("error", error);
    append(entry);
  }

  private static Map<String, Object> feedbackEntry(String id, Object label) {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("type", "feedback");
    entry.put("id", id);
    entry.put("time", Instant.now().toString());
    entry.put("label", label);
    return entry;
  }

  /** Enqueues one entry (a JSON-serialisable map); blocks only if a million entries are pending. */
  private void append(Map<String, Object> entry) {
    if (dir == null) {
      return;
    }
    if (closed) {
      // A request still finishing while the server shuts down: write it directly, never drop it.
      writeNow(List.of(entry));
      return;
    }
    try {
      queue.put(entry);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (closed) {
      List<Object> late = new ArrayList<>();
      queue.drainTo(late);
      writeNow(late);
    }
  }

  private synchronized void writeNow(List<Object> entries) {
    if (entries.isEmpty()) {
      return;
    }
    try {
      writer.join(30_000); // never interleave with the background writer's buffered lines
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (Writer out = open()) {
      for (Object o : entries) {
        if (o != STOP) {
          out.write(json.writeValueAsString(o) + "\n");
        }
      }
    } catch (IOException e) {
      LOG.error("cannot write {} inference log entries to {}: {}", entries.size(), dir, e.getMessage());
    }
  }

  private Path current() {
    return dir.resolve("inference.ndjson");
  }

  private void drain() {
    Writer out = null;
    long size = 0;
    List<Object> batch = new ArrayList<>();
    try {
      out = open();
      size = Files.size(current());
      while (true) {
        Object first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          out.flush();
          continue;
        }
        batch.clear();
        batch.add(first);
        queue.drainTo(batch, 10_000);
        boolean stop = false;
        for (Object o : batch) {
          if (o == STOP) {
            stop = true;
            continue;
          }
          String line = json.writeValueAsString(o) + "\n";
          out.write(line);
          size += line.length();
          if (size >= maxBytes) {
            out.close();
            rotate();
            out = open();
            size = 0;
          }
        }
        if (stop) {
          out.flush();
          return;
        }
      }
    } catch (IOException e) {
      LOG.error("the inference log in {} stopped: {}", dir, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (out != null) {
        try {
          out.close();
        } catch (IOException ignored) {
          // closing after a failure
        }
      }
    }
  }

  private Writer open() throws IOException {
    return new BufferedWriter(
        Files.newBufferedWriter(current(), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND), 1 << 16);
  }

  private void rotate() throws IOException {
    Files.deleteIfExists(dir.resolve("inference." + maxFiles + ".ndjson"));
    for (int i = maxFiles - 1; i >= 1; i--) {
      Path from = dir.resolve("inference." + i + ".ndjson");
      if (Files.exists(from)) {
        Files.move(from, dir.resolve("inference." + (i + 1) + ".ndjson"), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    Files.move(current(), dir.resolve("inference.1.ndjson"), StandardCopyOption.REPLACE_EXISTING);
  }

  /** Writes everything accepted so far and stops the writer. */
  @PreDestroy
  public void close() {
    if (writer == null || closed) {
      return;
    }
    closed = true;
    try {
      queue.put(STOP);
      writer.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // Entries enqueued after the writer saw STOP.
    List<Object> rest = new ArrayList<>();
    queue.drainTo(rest);
    writeNow(rest);
  }
}
