package dev.modelops.operator.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Reads {@code GET /v1/stats} from every ready model-server Pod of a version (by Pod IP, on the
 * container port named admin when it has one, else http) and sums the answers. A Pod that does not answer is left out; with
 * none answering there is no reading, and so no rollback on error share.
 */
public final class ServerAnswers {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http;

  public ServerAnswers(HttpClient http) {
    this.http = http;
  }

  public Optional<ServingObservation.Answers> of(List<Pod> pods) {
    long requests = 0;
    long errors = 0;
    boolean any = false;
    for (Pod p : pods) {
      if (!ready(p)) {
        continue;
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + p.getStatus().getPodIP() + ":" + ServingObjects.adminPort(p) + "/v1/stats"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          JsonNode n = JSON.readTree(r.body());
          requests += n.path("requests").asLong();
          errors += n.path("serverErrors").asLong();
          any = true;
        }
      } catch (IOException e) {
        // not answering: left out
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    }
    return any ? Optional.of(new ServingObservation.Answers(requests, errors)) : Optional.empty();
  }

  /**
   * What the ready Pods of a rollout's baseline say of the step they run ({@code GET /v1/shadow}):
   * how many are ready, and the readings of those that answered.
   */
  public RolloutAnalysis.Baseline shadow(String baseline, List<Pod> pods) {
    List<Pod> ready = pods.stream().filter(ServerAnswers::ready).toList();
    List<ShadowReading> readings = new java.util.ArrayList<>();
    for (Pod p : ready) {
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + p.getStatus().getPodIP() + ":" + ServingObjects.adminPort(p) + "/v1/shadow"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          readings.add(ShadowReading.of(JSON.readTree(r.body())));
        }
      } catch (IOException e) {
        // not answering: left out (the step waits for it)
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return new RolloutAnalysis.Baseline(baseline, ready.size(), readings);
  }

  static boolean ready(Pod p) {
    return p.getStatus() != null && p.getStatus().getPodIP() != null && p.getMetadata().getDeletionTimestamp() == null
        && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
