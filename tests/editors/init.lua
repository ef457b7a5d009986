-- Headless Neovim (0.11+) driving Pinwise the way docs/editors.md configures it, for tests/editors/test_neovim.py.
-- Inputs come from the environment: PINWISE_CMD (JSON list: the server command), PINWISE_INDEX (index URL),
-- PINWISE_OUT (where to write what Neovim received), PINWISE_LINE / PINWISE_COLUMN (completion position).

local out_path = vim.env.PINWISE_OUT
local result = { errors = {} }

local function finish()
  local file = assert(io.open(out_path, "w"))
  file:write(vim.json.encode(result))
  file:close()
  vim.cmd("qa!")
end

vim.lsp.config("pinwise", {
  cmd = vim.json.decode(vim.env.PINWISE_CMD),
  filetypes = { "requirements", "toml" },
  root_markers = { "pyproject.toml", ".git" },
  init_options = { settings = { index = { url = vim.env.PINWISE_INDEX } } },
  settings = { pinwise = { index = { url = vim.env.PINWISE_INDEX } } },
})
vim.lsp.enable("pinwise")

-- The workflow commands as any editor runs them (workspace/executeCommand); Neovim applies the server's
-- workspace/applyEdit itself. With PINWISE_VENV: select it, freeze it into the buffer, undo, plan a sync.
local function execute(client, buf, command, argument)
  local response = client:request_sync("workspace/executeCommand", { command = command, arguments = { argument } }, 20000, buf)
  if not response then
    table.insert(result.errors, command .. ": no answer")
    return {}
  end
  if response.err then
    table.insert(result.errors, command .. ": " .. tostring(response.err.message))
    return {}
  end
  return response.result or {}
end

local function buffer_text(buf)
  return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n")
end

function run_workflows(client, buf)
  local uri = vim.uri_from_bufnr(buf)
  local folder = vim.fs.dirname(vim.api.nvim_buf_get_name(buf))
  result.before = buffer_text(buf)
  result.select = execute(client, buf, "pinwise.selectVenv", { workspaceFolder = folder, path = vim.env.PINWISE_VENV })
  result.freeze = execute(client, buf, "pinwise.freeze", { uri = uri })
  -- The edit arrives as a server request while the command runs; let the loop apply it.
  vim.wait(5000, function() return buffer_text(buf) ~= result.before end, 20)
  result.frozen = buffer_text(buf)
  vim.cmd("silent undo")
  result.undone = buffer_text(buf)
  vim.cmd("silent write")
  result.sync = execute(client, buf, "pinwise.sync", { uri = uri, confirm = false })
end

vim.api.nvim_create_autocmd("VimEnter", {
  callback = function()
    -- Let the filetype detection run and the client attach.
    vim.schedule(function()
      local ok, err = pcall(function()
        local buf = vim.api.nvim_get_current_buf()
        result.filetype = vim.bo[buf].filetype
        local attached = vim.wait(20000, function()
          return #vim.lsp.get_clients({ bufnr = buf, name = "pinwise" }) > 0
        end, 20)
        result.attached = attached
        -- Wait for the index-backed diagnostics (they follow the local ones).
        vim.wait(20000, function()
          for _, d in ipairs(vim.diagnostic.get(buf)) do
            if d.code == "outdated" then
              return true
            end
          end
          return false
        end, 20)
        result.diagnostics = {}
        for _, d in ipairs(vim.diagnostic.get(buf)) do
          table.insert(result.diagnostics, {
            line = d.lnum,
            col = d.col,
            code = d.code,
            severity = d.severity,
            source = d.source,
            message = d.message,
          })
        end
        local client = vim.lsp.get_clients({ bufnr = buf, name = "pinwise" })[1]
        local params = {
          textDocument = vim.lsp.util.make_text_document_params(buf),
          position = { line = tonumber(vim.env.PINWISE_LINE), character = tonumber(vim.env.PINWISE_COLUMN) },
        }
        local responses = vim.lsp.buf_request_sync(buf, "textDocument/completion", params, 10000) or {}
        result.completion = {}
        for _, response in pairs(responses) do
          if response.err then
            table.insert(result.errors, tostring(response.err.message))
          end
          local items = response.result and (response.result.items or response.result) or {}
          for _, item in ipairs(items) do
            table.insert(result.completion, item.label)
          end
        end
        result.server_name = client and client.server_info and client.server_info.name or vim.NIL
        result.position_encoding = client and client.offset_encoding or vim.NIL
        if vim.env.PINWISE_VENV and client then
          run_workflows(client, buf)
        end
      end)
      if not ok then
        table.insert(result.errors, tostring(err))
      end
      finish()
    end)
  end,
})
