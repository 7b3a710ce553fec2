package dev.modelops.server;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;

/**
 * The server's settings, under {@code model.*} (environment variables MODEL_BUNDLE,
 * MODEL_VERSION, MODEL_DRIFT_WINDOW, ...). Checked at start: a bad value stops the server with a
 * message naming the setting.
 *
 * @param bundle the bundle to serve: a path, file://, pvc://claim/path or s3://bucket/prefix (fetched into /tmp at start)
 * @param version the version number this server reports (the ModelVersion's spec.version)
 * @param driftWindow drift is computed over this many most recent predictions
 * @param driftEnabled whether predictions are counted for drift at all
 * @param inferenceLog the folder for the inference log (rotating NDJSON); empty disables it
 * @param inferenceLogMaxBytes size at which a log file is rotated
 * @param inferenceLogMaxFiles how many rotated files are kept
 * @param feedbackCapacity how many recent predictions can still receive feedback
 * @param maxBatchRows the most records one /v1/predict call may hold
 * @param maxJsonBytes the largest JSON request body (batch CSV/NDJSON bodies stream and are not limited)
 */
@ConfigurationProperties("model")
public record ModelSettings(
    @NotBlank String bundle,
    @Bindable(defaultValue = "1") @Min(1) int version,
    @Bindable(defaultValue = "10000") @Min(100) @Max(10_000_000) int driftWindow,
    @Bindable(defaultValue = "true") boolean driftEnabled,
    @Bindable(defaultValue = "") String inferenceLog,
    @Bindable(defaultValue = "67108864") @Min(1024) long inferenceLogMaxBytes,
    @Bindable(defaultValue = "10") @Min(1) int inferenceLogMaxFiles,
    @Bindable(defaultValue = "100000") @Min(1) int feedbackCapacity,
    @Bindable(defaultValue = "10000") @Min(1) int maxBatchRows,
    @Bindable(defaultValue = "10485760") @Min(1024) @Max(1_073_741_824) long maxJsonBytes) {}
