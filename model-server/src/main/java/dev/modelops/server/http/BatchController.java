package dev.modelops.server.http;

import dev.modelops.server.ApiException;
import dev.modelops.server.codec.AnswerFields;
import dev.modelops.server.codec.BatchFormat;
import dev.modelops.server.model.LoadedModel;
import dev.modelops.server.scoring.BatchScoring;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.server.types.files.StreamedFile;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;

/**
 * POST /v1/predict/batch: a CSV (with a header row) or NDJSON body, streamed in and scored in
 * chunks ({@link BatchScoring}), answers streamed out in the same format ({@link BatchFormat}),
 * so millions of rows never sit in memory. An error in the first chunk is a 400 naming the row;
 * one further on ends the stream with an error line naming the row.
 */
@Controller("/v1/predict")
public class BatchController {
  private final LoadedModel model;
  private final BatchScoring batches;

  public BatchController(LoadedModel model, BatchScoring batches) {
    this.model = model;
    this.batches = batches;
  }

  @Post(value = "/batch", consumes = {"text/csv", "application/x-ndjson"}, produces = {"text/csv", "application/x-ndjson"})
  @ExecuteOn(TaskExecutors.BLOCKING)
  public HttpResponse<StreamedFile> batch(@Header("Content-Type") String contentType, @Body @Nullable InputStream body) {
    model.bundle();
    if (body == null) {
      throw new ApiException(HttpStatus.BAD_REQUEST, null, "the request body is empty; send a CSV with a header row, or NDJSON");
    }
    BatchFormat format = BatchFormat.of(contentType);
    try {
      Iterator<Object[]> rows;
      try {
        rows = format.rows(body, model.features());
      } catch (IOException e) {
        throw new ApiException(HttpStatus.BAD_REQUEST, null, "cannot read the body: " + e.getMessage());
      }
      return HttpResponse.ok(new StreamedFile(batches.score(rows, format, AnswerFields.of(model.kind(), model.classes())), format.mediaType()));
    } catch (ApiException e) {
      drain(body);
      throw e;
    }
  }

  /**
   * Reads the rest of a body refused before its end: a client that sends the whole body before
   * it reads the answer would otherwise wait forever for the server to take the rest.
   */
  private static void drain(InputStream body) {
    try {
      body.transferTo(java.io.OutputStream.nullOutputStream());
    } catch (IOException ignored) {
      // the client went away: nobody to answer
    }
  }
}
