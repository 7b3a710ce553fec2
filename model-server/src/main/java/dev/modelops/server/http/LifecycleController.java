package dev.modelops.server.http;

import dev.modelops.server.ApiException;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.annotation.QueryValue;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The Pod's lifecycle: the operator's model-server Pods call {@code GET /v1/lifecycle/drain} as
 * their preStop hook (the kubelet's preStop can only GET). It starts draining ({@link Drain}) and
 * answers after {@code seconds}, the time every kube-proxy needs to stop sending new connections
 * here; then the kubelet sends SIGTERM and the server finishes what is in flight.
 */
@Controller("/v1/lifecycle")
@Produces(MediaType.APPLICATION_JSON)
public class LifecycleController {
  static final int MAX_SECONDS = 60;
  private final Drain drain;

  public LifecycleController(Drain drain) {
    this.drain = drain;
  }

  @Get("/drain")
  public CompletableFuture<Map<String, Object>> drain(@QueryValue(defaultValue = "5") String seconds) {
    int wait;
    try {
      wait = Integer.parseInt(seconds);
    } catch (NumberFormatException e) {
      wait = -1;
    }
    if (wait < 0 || wait > MAX_SECONDS) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "seconds",
          "query parameter seconds is '" + seconds + "'; allowed: a whole number of seconds from 0 to " + MAX_SECONDS);
    }
    drain.start();
    Map<String, Object> answer = Map.of("draining", true, "seconds", wait);
    return CompletableFuture.supplyAsync(() -> answer, CompletableFuture.delayedExecutor(wait, TimeUnit.SECONDS));
  }
}
