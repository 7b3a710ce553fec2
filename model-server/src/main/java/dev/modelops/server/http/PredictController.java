package dev.modelops.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelops.server.Prediction;
import dev.modelops.server.Rows;
import dev.modelops.server.codec.AnswerFields;
import dev.modelops.server.codec.FeedbackLabels;
import dev.modelops.server.codec.Json;
import dev.modelops.server.codec.JsonRecords;
import dev.modelops.server.feedback.FeedbackTracker;
import dev.modelops.server.limits.BodySizeLimit;
import dev.modelops.server.limits.RowLimit;
import dev.modelops.server.model.LoadedModel;
import dev.modelops.server.scoring.Predictions;
import dev.modelops.server.scoring.RequestIds;
import dev.modelops.server.shadow.ShadowMirror;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Produces;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The plain JSON API: POST /v1/predict with one record or an array, POST /v1/feedback. */
@Controller("/v1")
public class PredictController {
  private final LoadedModel model;
  private final Predictions predictions;
  private final FeedbackTracker feedback;
  private final BodySizeLimit limit;
  private final RowLimit rowLimit;
  private final FeedbackToken token;
  private final CandidateIds ids;
  private final ShadowMirror shadow;

  public PredictController(LoadedModel model, Predictions predictions, FeedbackTracker feedback, BodySizeLimit limit, RowLimit rowLimit,
      FeedbackToken token, CandidateIds ids, ShadowMirror shadow) {
    this.model = model;
    this.predictions = predictions;
    this.feedback = feedback;
    this.limit = limit;
    this.rowLimit = rowLimit;
    this.token = token;
    this.ids = ids;
    this.shadow = shadow;
  }

  @Post("/predict")
  @Consumes(MediaType.APPLICATION_JSON)
  @Produces(MediaType.APPLICATION_JSON)
  public Object predict(HttpRequest<?> request, @Header(RequestIds.HEADER) @Nullable String firstId, @Body @Nullable byte[] body) {
    limit.check(body == null ? 0 : body.length);
    JsonNode root = Json.parse(body);
    model.bundle();
    Rows rows = JsonRecords.rows(root, model, rowLimit::records);
    Prediction[] out = predictions.predict(rows, ids.of(firstId));
    AnswerFields fields = AnswerFields.of(model.kind(), model.classes());
    Object answer = JsonRecords.answer(out, root.isArray(), fields);
    if (shadow.canaryMode()) {
      // A canary's share of requests is answered by the candidate (under the same ids), this server's answer when it fails.
      java.util.concurrent.CompletableFuture<byte[]> canary = shadow.canary("v1/predict", MediaType.APPLICATION_JSON, body, out,
          b -> JsonRecords.readAnswer(b, fields));
      if (canary != null) {
        request.setAttribute(CanaryFilter.ANSWER, canary); // the filter waits for it
      }
    } else if (root.isArray()) {
      shadow.mirror("v1/predict", MediaType.APPLICATION_JSON, body, out, b -> JsonRecords.readAnswer(b, fields));
    } else {
      shadow.mirrorRecord("v1/predict", body, out, fields);
    }
    return answer;
  }

  /**
   * True labels for earlier predictions ({@link FeedbackLabels}). Answers how many were joined
   * and which ids were unknown (or too old). With a feedback token configured ({@link FeedbackToken}),
   * a request without it is a 401 before its body is looked at.
   */
  @Post("/feedback")
  @Consumes(MediaType.APPLICATION_JSON)
  @Produces(MediaType.APPLICATION_JSON)
  public Map<String, Object> feedback(@Header(HttpHeaders.AUTHORIZATION) @Nullable String authorization, @Body @Nullable byte[] body) {
    token.check(authorization);
    limit.check(body == null ? 0 : body.length);
    JsonNode root = Json.parse(body);
    List<String> unknown = new ArrayList<>();
    int accepted = 0;
    boolean regression = feedback.regression();
    for (FeedbackLabels.Label l : FeedbackLabels.decode(root, model.bundle())) {
      if (regression ? feedback.join(l.id(), l.value()) : feedback.join(l.id(), l.label())) {
        accepted++;
        if (!regression) {
          shadow.label(l.id(), l.label());
        }
      } else {
        unknown.add(l.id());
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("accepted", accepted);
    out.put("unknown", unknown);
    if (regression) {
      out.put("liveMae", feedback.liveMae());
      out.put("liveRmse", feedback.liveRmse());
    } else {
      out.put("liveAccuracy", feedback.liveAccuracy());
    }
    return out;
  }
}
