// @ts-check
/**
 * Multipart upload with progress (fetch cannot report upload progress; XMLHttpRequest can),
 * with the CSRF header every change needs.
 */
import { ApiError, csrfToken } from "./api.js";

/**
 * @param {string} path
 * @param {FormData} form
 * @param {(fraction: number) => void} onProgress
 * @returns {Promise<any>}
 */
export function uploadForm(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", path);
    request.setRequestHeader("X-CSRF-Token", csrfToken());
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    request.addEventListener("load", () => {
      let payload = null;
      try {
        payload = JSON.parse(request.responseText);
      } catch {
        payload = null;
      }
      if (request.status >= 200 && request.status < 300) resolve(payload);
      else {
        const detail = payload && typeof payload.detail === "string" ? payload.detail : "";
        reject(new ApiError(detail || `The server answered ${request.status}.`, request.status, undefined));
      }
    });
    request.addEventListener("error", () =>
      reject(new ApiError("The upload failed; check your connection.", 0, undefined)),
    );
    request.send(form);
  });
}
